"""The orders' reads."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat, StrIndex, Upper
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from catalogue.models import Publication
from shop.prepared import Prepared

from . import working_days
from .models import DeliveryMethod, DeliveryZone, Order, OrderLine, OutboxEntry, Refund, RefundLine


def orders_to_expire():
    return Order.objects.filter(status=Order.Status.PENDING_PAYMENT, expires_at__lte=timezone.now())


def orders_to_reconcile():
    """Pending orders placed long enough ago that their webhook should have come."""
    since = timezone.now() - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    return Order.objects.filter(status=Order.Status.PENDING_PAYMENT, placed_at__lte=since).exclude(payment_intent="")


def refunds_to_retry():
    """Refunds Stripe has not confirmed a minute after they were asked for."""
    return Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=timezone.now() - timedelta(minutes=1))


def order_as_placed(order: Order, *, lines: list[OrderLine], history: list) -> None:
    """Give an order just placed what order_with_lines() reads of it, from what placing it wrote
    (its lines and its first status change; no refunds, no receipt): its answer then costs no
    query. Where the database did not give back the lines' ids, the order is read back.

    The lists are kept as Django's prefetch_related keeps what it read, on the related managers'
    querysets; test_place_order pins the answer to the one its status link gives."""
    if any(line.pk is None for line in lines):
        return
    for line in lines:
        line.refunded_copies = 0
    Order._meta.get_field("receipt").set_cached_value(order, None)
    order._prefetched_objects_cache = {}
    for name, objects in (("lines", sorted(lines, key=lambda line: line.pk)), ("refunds", []), ("status_changes", history)):
        known = getattr(order, name).all()
        known._result_cache, known._prefetch_done = list(objects), True
        order._prefetched_objects_cache[name] = known
    order.as_placed = True


def order_read_back(order: Order) -> Order:
    """The order as order_with_lines() reads it: itself when placed in this request
    (order_as_placed), otherwise read again."""
    return order if getattr(order, "as_placed", False) else order_with_lines().get(pk=order.pk)


# A zone's countries are stored as their codes joined by commas ("GB,IE"): a code is listed
# where ",GB," is found in ",GB,IE,".
_zone_for = Prepared(
    lambda listed: DeliveryZone.objects.annotate(listed_at=StrIndex(Concat(Value(","), "countries", Value(",")), Value(listed)))
    .filter(Q(rest_of_world=False, listed_at__gt=0) | Q(rest_of_world=True))
    .order_by("rest_of_world", "name")[:1],
    lambda index: ",\x01,",
)


def delivery_zone_for(country) -> DeliveryZone | None:
    """The zone that lists the country (ISO 3166 code), or else the rest-of-the-world zone, if
    any: by a query compiled once a process."""
    found = _zone_for(f",{country},")
    return found[0] if found else None


_active_method = Prepared(lambda code: DeliveryMethod.objects.filter(active=True, code=code), lambda index: "\x01no such code")


def active_delivery_method(code: str) -> DeliveryMethod | None:
    """The delivery method an order may choose with this code, by a query compiled once a process."""
    found = _active_method(code)
    return found[0] if found else None


def held_by_unpaid_orders(condition: Q):
    """The copies held by the unpaid orders that hold their copies, of the order lines that meet
    `condition`: an expression (a subquery summing them, 0 for none)."""
    return Coalesce(
        Subquery(
            OrderLine.objects.filter(condition, order__status=Order.Status.PENDING_PAYMENT, order__holds_stock=True)
            .annotate(everything=Value(1))
            .values("everything")  # grouped by a constant: one sum, whatever matches
            .annotate(copies=Sum("quantity"))
            .values("copies")
            .order_by()
        ),
        0,
    )


def _held_by(with_address: bool):
    """The copies this buyer's unpaid orders hold, by address (with_address) and by email (case
    aside, as iexact compares): one row. Each sum is found through its own index (the address's
    orders, the email's), whatever the number of unpaid orders; a title's held copies are on its
    row (Publication.held)."""

    def build(*values) -> QuerySet:
        placed_from, email, title = values if with_address else ("", *values)
        buyers = {"by_address": held_by_unpaid_orders(Q(order__placed_from=placed_from))} if with_address else {}
        buyers["by_email"] = held_by_unpaid_orders(Q(Exact(Upper("order__email"), Upper(Value(email)))))
        # A row to hang the sums on: one of the titles ordered, which the order has locked.
        return Publication.objects.filter(pk=title).annotate(**buyers).values_list(*buyers).order_by()

    strings = 2 if with_address else 1
    return Prepared(build, lambda index: f"placeholder-{index}" if index < strings else -1)


_held_with_address, _held_without_address = _held_by(True), _held_by(False)


def copies_held(*, placed_from: str, email: str, title: int) -> tuple[int | None, int]:
    """Copies this buyer's unpaid orders hold (those that hold their copies): (placed from this
    address, or None without one; for this email), in one query compiled once a process, on the
    row of `title` (the pk of one of the titles ordered; each title's own are Publication.held)."""
    if placed_from:
        [(by_address, by_email)] = _held_with_address.rows(placed_from, email, title)
    else:
        by_address, [(by_email,)] = None, _held_without_address.rows(email, title)
    return by_address, by_email


def order_for_token(number: str, token: str) -> Order | None:
    """The order, with its lines, history and delivery method, for the holder of its token only.

    The token is checked on the order's row alone, in constant time, before anything else is
    read: a real number with a wrong token costs the same queries and time as a made-up one."""
    found = Order.objects.filter(number=number).values_list("pk", "token").first()
    if found is None or not token or not constant_time_compare(found[1], token):
        return None
    return order_with_lines().get(pk=found[0])


def order_with_lines():
    """Orders with what a reader's view of one shows: lines (each with the copies refunded so
    far), refunds with their lines and credit notes, history, delivery method and receipt, in a
    fixed number of queries."""
    lines = OrderLine.objects.annotate(refunded_copies=Coalesce(Sum("refund_lines__quantity"), 0)).order_by("id")
    refunds = Refund.objects.select_related("credit_note").prefetch_related(
        Prefetch("lines", queryset=RefundLine.objects.select_related("order_line"))
    )
    return Order.objects.select_related("delivery_method", "receipt").prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("refunds", queryset=refunds), "status_changes"
    )


def delivery_methods(*, country: str | None = None):
    """Active delivery methods, in the order readers see them (zones as they were set up, the
    shop's own first; then each zone's by position and price): those of the zone that delivers
    to `country`, or all of them."""
    methods = DeliveryMethod.objects.filter(active=True).select_related("zone").order_by("zone_id", "position", "price")
    if country is None:
        return methods
    zone = delivery_zone_for(country)
    return methods.filter(zone=zone) if zone else methods.none()


@dataclass(frozen=True)
class Moment:
    """One line of an order's timeline, for staff."""

    at: datetime
    kind: str  # status, email, warehouse, refund, note, stripe
    what: str
    who: str = ""
    detail: str = ""
    failed: bool = False


WAREHOUSE_KINDS = {OutboxEntry.Kind.FULFILMENT, OutboxEntry.Kind.WAREHOUSE_CANCEL, OutboxEntry.Kind.WAREHOUSE_AMEND}


def order_timeline(order: Order) -> list[Moment]:
    """Everything that happened to an order, oldest first: status changes, emails and warehouse
    requests (owed, sent, failed, withdrawn), refunds, Stripe's events and staff notes."""
    moments = [
        Moment(change.changed_at, "status", str(change), _person(change.changed_by), change.note)
        for change in order.status_changes.select_related("changed_by")
    ]
    for entry in order.outbox.all():
        kind = "warehouse" if entry.kind in WAREHOUSE_KINDS else "email"
        label = entry.get_kind_display()
        if entry.status == OutboxEntry.Status.SENT:
            moments.append(Moment(entry.sent_at, kind, f"{label}: sent", detail=_attempts(entry)))
        elif entry.status == OutboxEntry.Status.FAILED:
            moments.append(Moment(entry.next_attempt_at, kind, f"{label}: failed, needs staff", detail=entry.last_error, failed=True))
        elif entry.status == OutboxEntry.Status.HELD:
            moments.append(Moment(entry.created_at, kind, f"{label}: held while the payment is disputed", failed=True))
        elif entry.status == OutboxEntry.Status.WITHDRAWN:
            moments.append(Moment(entry.sent_at or entry.created_at, kind, f"{label}: withdrawn before it was sent"))
        else:
            waiting = f"attempt {entry.attempts + 1} due {timezone.localtime(entry.next_attempt_at):%d %b %H:%M}"
            detail = f"{waiting}; last error: {entry.last_error}" if entry.last_error else waiting
            moments.append(Moment(entry.created_at, kind, f"{label}: waiting to be sent", detail=detail, failed=bool(entry.last_error)))
    for refund in order.refunds.select_related("created_by"):
        what = f"Refund of £{refund.amount}: {refund.get_status_display().lower()}"
        detail = "; ".join(part for part in [refund.reason, f"message to the reader: {refund.message}" if refund.message else ""] if part)
        moments.append(Moment(refund.refunded_at or refund.created_at, "refund", what, _person(refund.created_by), detail))
    for dispute in order.disputes.all():
        detail = f"£{dispute.amount}, {dispute.reason or 'no reason given'}"
        if dispute.status in dispute.CLOSED:
            detail += f"; Stripe took £{-dispute.withdrawn} and a £{dispute.fee} fee" if dispute.status == dispute.Status.LOST else ""
        moments.append(Moment(dispute.closed_at or dispute.opened_at, "stripe", f"Dispute {dispute.stripe_id}: {dispute.get_status_display().lower()}", detail=detail, failed=dispute.status == dispute.Status.LOST))
    for event in order.stripe_events.all():
        moments.append(Moment(event.received_at, "stripe", f"Stripe: {event.type}", detail=event.outcome))
    for note in order.notes.select_related("created_by"):
        moments.append(Moment(note.created_at, "note", "Note", _person(note.created_by), note.text))
    return sorted(moments, key=lambda moment: moment.at)


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _attempts(entry: OutboxEntry) -> str:
    return f"after {entry.attempts} attempts" if entry.attempts > 1 else ""


# --- The back office's day -----------------------------------------------------------------


def orders_needing_attention():
    return Order.objects.filter(needs_attention=True)


def orders_paid_not_sent():
    """Paid (or partly refunded) and not yet accepted by the warehouse, nor sent by hand, nor
    withdrawn from it."""
    withdrawn = OutboxEntry.objects.filter(order=OuterRef("pk"), kind=OutboxEntry.Kind.FULFILMENT, status=OutboxEntry.Status.WITHDRAWN)
    return Order.objects.filter(
        status__in=[Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED], sent_to_warehouse_at__isnull=True, dispatched_at__isnull=True
    ).exclude(Exists(withdrawn))


def orders_late_at_warehouse(now: datetime | None = None):
    """With the warehouse for more than WAREHOUSE_LATE_WORKING_DAYS working days, not dispatched,
    and not cancelled there (a full refund)."""
    cutoff = working_days.late_before(now or timezone.now(), settings.WAREHOUSE_LATE_WORKING_DAYS)
    cancelled = OutboxEntry.objects.filter(order=OuterRef("pk"), kind=OutboxEntry.Kind.WAREHOUSE_CANCEL).exclude(status=OutboxEntry.Status.WITHDRAWN)
    return Order.objects.filter(sent_to_warehouse_at__lt=cutoff, dispatched_at__isnull=True).exclude(
        status__in=[Order.Status.REFUNDED, Order.Status.CANCELLED]
    ).exclude(Exists(cancelled))
