"""The back office's front page: the day's work as counts, each linking to the list it counts,
and today's and this week's orders and takings. Each count is shown only to those who may open
its list."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalogue import selectors as catalogue_selectors
from catalogue.models import Comment
from orders import selectors as order_selectors
from orders import working_days
from reports import finance


@dataclass(frozen=True)
class Count:
    label: str
    count: int
    link: str
    urgent: bool = True  # shown as work to do when not zero


@dataclass(frozen=True)
class Takings:
    label: str
    period: finance.Period
    takings: finance.Takings
    link: str


def _orders_list(**query) -> str:
    return reverse("admin:orders_order_changelist") + "?" + "&".join(f"{key}={value}" for key, value in query.items())


def work_counts(user, now=None) -> list[Count]:
    counts = []
    if user.has_perm("orders.view_order"):
        late_days = settings.WAREHOUSE_LATE_WORKING_DAYS
        counts += [
            Count("Orders needing attention", order_selectors.orders_needing_attention().count(), _orders_list(needs_attention__exact=1)),
            Count("Paid, not yet at the warehouse", order_selectors.orders_paid_not_sent().count(), _orders_list(unsent="yes")),
            Count(
                f"At the warehouse more than {late_days} working days, not dispatched",
                order_selectors.orders_late_at_warehouse(now).count(), _orders_list(late="yes"),
            ),
        ]  # fmt: skip
    if user.has_perm("catalogue.change_comment"):
        waiting = Comment.objects.filter(status=Comment.Status.PENDING).count()
        counts.append(Count("Comments awaiting moderation", waiting, reverse("admin:catalogue_comment_changelist") + "?status__exact=pending"))
    if user.has_perm("catalogue.view_publication"):
        low = catalogue_selectors.low_on_stock().count()  # the list itself works out each title's days left
        counts.append(Count("Titles at or below their reorder level", low, reverse("admin:catalogue_publication_low_stock")))
    return counts


def takings(user, now=None) -> list[Takings]:
    """Today's and this week's (from Monday) orders and takings, for staff and finance."""
    if not (user.has_perm("orders.view_order") or user.has_perm("orders.export_finance_reports")):
        return []
    today_, week = paid_periods(now)
    return [
        Takings("Today", today_, finance.takings(today_), _orders_list(paid="today")),
        Takings("This week (from Monday)", week, finance.takings(week), _orders_list(paid="week")),
    ]


def paid_periods(now=None) -> tuple[finance.Period, finance.Period]:
    """Today, and this week from Monday to today, as the finance reports count days (and the
    orders list's "paid" filter, orders.working_days.today_and_week)."""
    monday, today = working_days.monday_and_today(now or timezone.now())
    return finance.Period(today, today), finance.Period(monday, today)
