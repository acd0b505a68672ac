"""Telling the warehouse of changes to an order it may already have: after a refund, or a
dispatch staff recorded by hand.

Decided under the order's lock, in the transaction that makes the change, with the order's
fulfilment request (its outbox entry) locked too, so a worker cannot take the request between
the decision and the commit:

- the request not sent and no worker holding it: it is withdrawn (a full refund, a hand
  dispatch) and nothing is sent; a refund of some copies needs nothing either, since the
  request, when it goes, carries the copies still to send;
- the warehouse has it, or a worker is sending it now: a cancellation (full refund, hand
  dispatch) or an amendment (some copies refunded) is owed through the outbox, with the
  Idempotency-Key `{number}:{type}:{refund}` (`…:cancel:dispatch` for a hand dispatch). A
  worker sends it only once the request is accepted, and drops it if the request never
  reached the warehouse (see `waiting_for_request`);
- the order already dispatched: nothing, the parcel is gone.
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


def _withdraw(entry: OutboxEntry) -> None:
    OutboxEntry.objects.filter(pk=entry.pk).update(
        status=OutboxEntry.Status.WITHDRAWN, leased_until=None, last_error="", sent_at=timezone.now()
    )


def after_refund(order: Order, refund: Refund, *, full: bool, was_dispatched: bool) -> str:
    """What the warehouse is told of `refund` (the order locked; `full` if nothing is left to
    refund after it). Returns what was done, for the order's history."""
    if was_dispatched:
        return ""
    request = _request_locked(order)
    if request is None or request.status in (OutboxEntry.Status.WITHDRAWN, OutboxEntry.Status.FAILED):
        return ""
    unsent = request.status == OutboxEntry.Status.PENDING and not held_by_a_worker(request)
    if full:
        if unsent:
            _withdraw(request)
            return "the fulfilment request, not yet sent, is withdrawn"
        outbox.owe(order, OutboxEntry.Kind.WAREHOUSE_CANCEL, refund=refund)
        return "the warehouse is sent a cancellation"
    if unsent or not refund.lines.filter(quantity__gt=0).exists():
        return ""
    outbox.owe(order, OutboxEntry.Kind.WAREHOUSE_AMEND, refund=refund)
    return "the warehouse is sent an amendment"


def after_hand_dispatch(order: Order) -> str:
    """Staff sent the parcel themselves: the warehouse must not send it too."""
    request = _request_locked(order)
    if request is None or request.status in (OutboxEntry.Status.WITHDRAWN, OutboxEntry.Status.FAILED):
        return ""
    if request.status == OutboxEntry.Status.PENDING and not held_by_a_worker(request):
        _withdraw(request)
        return "the fulfilment request, not yet sent, is withdrawn"
    outbox.owe(order, OutboxEntry.Kind.WAREHOUSE_CANCEL, occasion=HAND_DISPATCH)
    return "the warehouse is sent a cancellation"


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
    if status == OutboxEntry.Status.PENDING:
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
