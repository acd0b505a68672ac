"""Telling the warehouse of changes to an order it may already have: after a refund, or a
dispatch staff recorded by hand.

Decided under the order's lock, in the transaction that makes the change, with the order's
fulfilment request (its outbox entry) locked too, so a worker cannot take the request between
the decision and the commit. The warehouse must send nothing more once no copies are left to
send (every copy refunded, whatever happened to the delivery charge) or staff sent the parcel:

- a request that certainly never left (pending, never tried, no worker holding it) is
  withdrawn and nothing is sent; a failed one (given up on; its order is already flagged) is
  withdrawn too, so that retrying what failed cannot send it;
- a request that may have reached the warehouse (accepted, being sent now, or tried before:
  a timeout may have delivered it) is followed by a cancellation through the outbox, which a
  worker sends only once the request is accepted;
- a refund of some copies needs nothing if the request never left (it carries the copies
  still to send when it goes); otherwise an amendment follows it the same way;
- nothing at all once the order is dispatched: the parcel is gone.

Cancellations and amendments go to FULFILMENT_URL with the Idempotency-Key
`{number}:{type}:{refund}` (`…:cancel:dispatch` for a hand dispatch).
"""

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import outbox
from .models import Order, OutboxEntry, Refund

HAND_DISPATCH = "dispatch"


def _request_locked(order: Order) -> OutboxEntry | None:
    return OutboxEntry.objects.select_for_update().filter(order=order, kind=OutboxEntry.Kind.FULFILMENT).first()


def held_by_a_worker(entry: OutboxEntry) -> bool:
    return entry.leased_until is not None and entry.leased_until >= timezone.now()


def never_left(request: OutboxEntry) -> bool:
    """The request has certainly not reached the warehouse: held before it left (a disputed
    payment), or pending, never tried, and no worker holding it."""
    if request.status == OutboxEntry.Status.HELD:
        return True
    return request.status == OutboxEntry.Status.PENDING and request.attempts == 0 and not held_by_a_worker(request)


def _withdraw(entry: OutboxEntry) -> None:
    OutboxEntry.objects.filter(pk=entry.pk).update(
        status=OutboxEntry.Status.WITHDRAWN, leased_until=None, sent_at=timezone.now()
    )


def copies_left(order: Order) -> int:
    return copies_in(lines_now(order))


def copies_in(lines: list[dict]) -> int:
    """The copies of lines as lines_now gives them."""
    return sum(line["quantity"] for line in lines)


def _nothing_more(order: Order, request: OutboxEntry | None, **cancellation) -> str:
    """The warehouse must send nothing more of this order (the request locked)."""
    if request is None or request.status == OutboxEntry.Status.WITHDRAWN:
        return ""
    if request.status == OutboxEntry.Status.FAILED:
        _withdraw(request)
        return "the failed fulfilment request is withdrawn"
    if never_left(request):
        _withdraw(request)
        return "the fulfilment request, not yet sent, is withdrawn"
    outbox.owe(order, OutboxEntry.Kind.WAREHOUSE_CANCEL, **cancellation)
    return "the warehouse is sent a cancellation"


def after_refund(order: Order, refund: Refund) -> str:
    """What the warehouse is told of `refund` (the order locked, not yet dispatched). Returns
    what was done, for the order's history."""
    request = _request_locked(order)
    if copies_left(order) == 0:
        return _nothing_more(order, request, refund=refund)
    if request is None or never_left(request) or request.status in (OutboxEntry.Status.WITHDRAWN, OutboxEntry.Status.FAILED):
        return ""  # when it goes, if it goes, it carries the copies still to send
    if not refund.lines.filter(quantity__gt=0).exists():
        return ""  # money alone: nothing changes for the warehouse
    outbox.owe(order, OutboxEntry.Kind.WAREHOUSE_AMEND, refund=refund)
    return "the warehouse is sent an amendment"


def after_hand_dispatch(order: Order) -> str:
    """Staff sent the parcel themselves: the warehouse must not send it too."""
    return _nothing_more(order, _request_locked(order), occasion=HAND_DISPATCH)


def superseded(entry: OutboxEntry) -> bool:
    """An amendment overtaken by events: the order has been cancelled at the warehouse (or is
    about to be), or dispatched. The cancellation says all; an amendment after it could restart
    the parcel."""
    if entry.kind != OutboxEntry.Kind.WAREHOUSE_AMEND:
        return False
    cancelled = OutboxEntry.objects.filter(order_id=entry.order_id, kind=OutboxEntry.Kind.WAREHOUSE_CANCEL).exclude(
        status=OutboxEntry.Status.WITHDRAWN
    )
    return cancelled.exists() or Order.objects.filter(pk=entry.order_id, dispatched_at__isnull=False).exists()


def no_longer_wanted(entry: OutboxEntry, lines: list[dict]) -> bool:
    """A fulfilment request a worker is about to send for the first time whose order no longer
    wants it (every copy refunded, dispatched by hand, cancelled; `lines`: its lines_now): withdraw
    it instead. One tried before may be at the warehouse already: it goes, and the cancellation
    follows it."""
    order = entry.order
    return entry.attempts <= 1 and (
        order.status in (Order.Status.REFUNDED, Order.Status.CANCELLED) or order.dispatched_at is not None or copies_in(lines) == 0
    )


def waiting_for_request(entry: OutboxEntry) -> bool | None:
    """For a cancellation or amendment about to be sent: True if the order's fulfilment request
    is still on its way (send this after it), False if the warehouse has it (send now), None if
    it never reached the warehouse (nothing to tell)."""
    status = (
        OutboxEntry.objects.filter(order_id=entry.order_id, kind=OutboxEntry.Kind.FULFILMENT)
        .values_list("status", flat=True)
        .first()
    )
    if status == OutboxEntry.Status.SENT:
        return False
    if status in (OutboxEntry.Status.PENDING, OutboxEntry.Status.HELD):
        return True
    return None


def lines_now(order: Order, *, leaving_out: Refund | None = None) -> list[dict]:
    """The order's lines as the warehouse should send them: copies ordered less copies refunded
    (by every refund but `leaving_out`)."""
    refunded = Q(refund_lines__refund__status=Refund.Status.SUCCEEDED)
    if leaving_out is not None:
        refunded &= ~Q(refund_lines__refund=leaving_out)
    lines = order.lines.annotate(refunded=Coalesce(Sum("refund_lines__quantity", filter=refunded), 0)).order_by("id")
    return [{"isbn": line.isbn, "title": line.title, "quantity": line.quantity - line.refunded} for line in lines]


def change_message(entry: OutboxEntry) -> dict:
    """The body of a cancellation or amendment (DESIGN.md's public contract). An amendment's
    lines are what the warehouse should now send; a cancellation's, what it should no longer
    send (what it had to send before the refund or the hand dispatch)."""
    if entry.kind == OutboxEntry.Kind.WAREHOUSE_CANCEL:
        lines = lines_now(entry.order, leaving_out=entry.refund)
    else:
        lines = lines_now(entry.order)
    return {"type": entry.kind, "order_number": entry.order.number, "lines": lines}
