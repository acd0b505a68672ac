"""Money that moves outside the shop, as Stripe's events tell it: a refund made in Stripe's
dashboard, and a dispute (a chargeback) from the reader's bank.

Both arrive through the orders webhook (services.stripe_event_receive), are applied in its
transaction under the order's lock, and show on the order's timeline (the stored event, and
what it did) and in the finance reports.

- `charge.refunded` with a refund the shop did not ask for (its metadata carries no key of the
  shop's) is recorded as a refund of the order, spread over what is left as a custom amount
  would be, with its credit note and the reader's refund email; the order is flagged.
- `charge.dispute.created` flags the order and holds its fulfilment request if it has not left;
  `…updated` follows the status; `…closed` records the outcome (won, lost) and what Stripe took
  for it (the amount and its fee), releasing a held request if won and withdrawing it if lost.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shop.errors import ShopError

from . import gateway, outbox, refunds, warehouse
from .models import Dispute, Order, OutboxEntry, Refund, RefundLine

log = logging.getLogger(__name__)
DASHBOARD_REASON = "Made in Stripe's dashboard"


def order_of_charge(data: dict) -> Order | None:
    """The order a charge or a dispute belongs to (locked): by its PaymentIntent, else by the charge."""
    intent = data.get("payment_intent") or ""
    if isinstance(intent, dict):
        intent = intent.get("id", "")
    charge = data.get("charge") or (data.get("id") if data.get("object") == "charge" else "")
    if intent:
        found = Order.objects.select_for_update().filter(payments__payment_intent=intent).first()
        if found:
            return found
    return Order.objects.select_for_update().filter(stripe_charge=charge).first() if charge else None


def dashboard_refunds(order: Order, charge: dict, stripe_refunds: list[gateway.StripeRefund]) -> list[tuple[Refund, gateway.StripeRefund]]:
    """charge.refunded (the order locked): the refunds of its paying charge that the shop knows
    nothing of, each recorded as a pending refund of the order for the caller to complete."""
    if charge.get("id") and order.stripe_charge and charge["id"] != order.stripe_charge:
        return []  # a refund of another of the order's payments (a duplicate the shop gave back)
    known = set(order.refunds.exclude(stripe_refund_id="").values_list("stripe_refund_id", flat=True))
    # The shop's own refunds that Stripe has made but refund_send has not recorded yet (it will):
    # by their key in Stripe's metadata, or else by amount (a refund asked for before keys were sent).
    waiting = list(order.refunds.filter(status=Refund.Status.PENDING, stripe_refund_id="").values_list("idempotency_key", "amount"))
    recorded = []
    for found in stripe_refunds:
        if found.status != "succeeded" or found.id in known:
            continue  # pending or failed (charge.refund.updated brings it back), or recorded already
        mine = next((pair for pair in waiting if found.shop_refund.endswith(pair[0]) or (not found.shop_refund and pair[1] == found.amount)), None)
        if mine or found.shop_refund:
            if mine:
                waiting.remove(mine)
            continue
        recorded.append((_dashboard_refund(order, found), found))
    return recorded


def _dashboard_refund(order: Order, found: gateway.StripeRefund) -> Refund:
    """The refund as the shop records one of a custom amount: spread over what is left of the
    lines and the delivery by gross (or, if it is more than is left, with no parts)."""
    try:
        plan = refunds.refund_plan(order, amount=found.amount)
    except (ValidationError, ShopError) as error:
        log.error("Order %s: the dashboard refund %s cannot be spread over the order: %s", order.number, found.id, error)
        plan = None
    refund = Refund.objects.create(
        order=order, amount=found.amount, reason=DASHBOARD_REASON, in_dashboard=True,
        delivery_amount=plan.delivery if plan else 0, delivery_vat=plan.delivery_vat if plan else 0,
    )  # fmt: skip
    if plan:
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, order_line=part.line, quantity=part.quantity, amount=part.amount, vat=part.vat) for part in plan.line_parts
        )
    return refund


def dispute_apply(data: dict) -> tuple[str, Order | None]:
    """charge.dispute.*: the dispute recorded as it stands, and what it means for the order."""
    order = order_of_charge(data)
    if order is None:
        return "no order for this dispute", None
    amount = gateway.from_pence(int(data.get("amount") or 0))
    dispute, created = Dispute.objects.select_for_update().get_or_create(
        stripe_id=data["id"], defaults={"order": order, "amount": amount, "reason": data.get("reason") or "", "status": data["status"]}
    )
    if dispute.status not in Dispute.CLOSED or data["status"] in Dispute.CLOSED:  # events may come out of order: a decision stays
        dispute.status = data["status"]
    dispute.amount, dispute.reason = amount, data.get("reason") or dispute.reason
    moved = [gateway.BalanceTransaction.from_stripe(txn) for txn in data.get("balance_transactions") or [] if isinstance(txn, dict)]
    if moved:
        dispute.fee = sum((txn.fee for txn in moved), gateway.from_pence(0))
        dispute.withdrawn = sum((txn.gross for txn in moved), gateway.from_pence(0))
    if dispute.status in Dispute.CLOSED and dispute.closed_at is None:
        dispute.closed_at = timezone.now()
    dispute.save()
    held = _hold_or_release(order, dispute)
    label = dispute.get_status_display().lower()
    if dispute.status == Dispute.Status.LOST:
        outbox.flag(order, f"The reader's bank won its dispute of the payment (£{dispute.amount}, {dispute.reason or 'no reason given'}): "
                           f"Stripe took it back with a £{dispute.fee} fee." + (f" {held}" if held else ""))  # fmt: skip
    elif created and dispute.status not in Dispute.CLOSED:
        outbox.flag(order, f"The payment is disputed by the reader's bank (£{dispute.amount}, {dispute.reason or 'no reason given'}): "
                           f"{label}. Respond in Stripe's dashboard." + (f" {held}" if held else ""))  # fmt: skip
    return f"dispute {dispute.stripe_id} {label}" + (f"; {held}" if held else ""), order


def _hold_or_release(order: Order, dispute: Dispute) -> str:
    """Hold the order's fulfilment request while the dispute is open, if it has not left; send
    it if the dispute is won; withdraw it if lost (the money is gone)."""
    request = OutboxEntry.objects.select_for_update().filter(order=order, kind=OutboxEntry.Kind.FULFILMENT).first()
    if request is None:
        return ""
    if dispute.status not in Dispute.CLOSED:
        unsent = request.status == OutboxEntry.Status.FAILED or (warehouse.never_left(request) and request.status == OutboxEntry.Status.PENDING)
        if unsent:  # a failed one too, so that retrying what failed cannot send it meanwhile
            OutboxEntry.objects.filter(pk=request.pk).update(status=OutboxEntry.Status.HELD, leased_until=None)
            return "The fulfilment request is held until the dispute is decided."
        if request.status != OutboxEntry.Status.HELD and order.dispatched_at is None:
            return "The warehouse has the order already: ask it to hold the parcel if you wish."
        return ""
    if request.status != OutboxEntry.Status.HELD:
        return ""
    if dispute.status == Dispute.Status.LOST:
        OutboxEntry.objects.filter(pk=request.pk).update(status=OutboxEntry.Status.WITHDRAWN, sent_at=timezone.now())
        return "The held fulfilment request is withdrawn."
    OutboxEntry.objects.filter(pk=request.pk).update(status=OutboxEntry.Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
    transaction.on_commit(lambda: outbox.enqueue(request.pk))
    return "The held fulfilment request is sent."
