"""The shop's staff roles as permission groups, kept in step with this table by every `migrate`.

- Staff: the catalogue, stock, comments, delivery rates, and orders (see, cancel, refund,
  resend or retry what the workers owe). Not users, tokens or finance reports.
- Finance: finance reports, and orders, their refunds and their history to look at (not change).

A superuser can do everything; give everyone else one of these groups and `is_staff`.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

STAFF = "Staff"
STAFF_PERMISSIONS = {
    "catalogue": {
        "publication": ["view", "add", "change"],
        "topic": ["view", "add", "change", "delete"],
        "pricechange": ["view"],
        "stockmovement": ["view", "add"],
        "comment": ["view", "change", "delete"],
    },
    "orders": {
        "order": ["view", "change"],
        "orderline": ["view"],
        "orderstatuschange": ["view"],
        "refund": ["view", "add"],
        "refundline": ["view"],
        "deliveryzone": ["view", "add", "change", "delete"],
        "deliverymethod": ["view", "add", "change", "delete"],
        "stripeevent": ["view"],
        "outboxentry": ["view", "change"],
    },
}


FINANCE = "Finance"
FINANCE_PERMISSIONS = {
    "orders": {
        "order": ["view", "export_finance_reports"],
        "orderline": ["view"],
        "orderstatuschange": ["view"],
        "refund": ["view"],
        "refundline": ["view"],
        "deliveryzone": ["view"],
        "deliverymethod": ["view"],
    },
    "reports": {"reportdownload": ["view"], "payout": ["view"], "payoutitem": ["view"]},
}
GROUPS = {STAFF: STAFF_PERMISSIONS, FINANCE: FINANCE_PERMISSIONS}


def permissions_of(table: dict):
    wanted = Q(pk__in=[])
    for app_label, models in table.items():
        for model, actions in models.items():
            codenames = [action if "_" in action else f"{action}_{model}" for action in actions]
            wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    return Permission.objects.filter(wanted)


def sync_groups(**kwargs) -> None:
    """post_migrate: each group holds exactly its table's permissions (those created so far)."""
    for name, table in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions_of(table))
