"""The shop's staff roles as permission groups, kept in step with this table by every `migrate`.

- Staff: the catalogue, stock, comments, delivery rates, and orders (see, cancel, refund,
  resend or retry what the workers owe). Not users, tokens or finance reports.
- Finance: finance reports (the group and its permission come from orders' migration 0006).

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


def staff_permissions():
    wanted = Q(pk__in=[])
    for app_label, models in STAFF_PERMISSIONS.items():
        for model, actions in models.items():
            wanted |= Q(content_type__app_label=app_label, codename__in=[f"{action}_{model}" for action in actions])
    return Permission.objects.filter(wanted)


def sync_groups(**kwargs) -> None:
    """post_migrate: the Staff group holds exactly STAFF_PERMISSIONS (those created so far)."""
    group, _ = Group.objects.get_or_create(name=STAFF)
    group.permissions.set(staff_permissions())
