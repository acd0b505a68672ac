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
    known = set(order.refunds.values_list("stripe_refund_id", flat=True))
    return [
        (_dashboard_refund(order, found), found)
        for found in stripe_refunds
        # pending or failed, already recorded, or the shop's own (its refund_send records it)
        if found.status == "succeeded" and found.id not in known and not found.shop_refund
    ]


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
    dispute, created = Dispute.objects.get_or_create(
        stripe_id=data["id"], defaults={"order": order, "amount": amount, "reason": data.get("reason") or "", "status": data["status"]}
    )
    dispute.status, dispute.amount, dispute.reason = data["status"], amount, data.get("reason") or dispute.reason
    moved = [gateway.BalanceTransaction.from_stripe(txn) for txn in data.get("balance_transactions") or [] if isinstance(txn, dict)]
    if moved:
        dispute.fee = sum((txn.fee for txn in moved), gateway.from_pence(0))
        dispute.withdrawn = sum((txn.gross for txn in moved), gateway.from_pence(0))
    if dispute.status in Dispute.CLOSED and dispute.closed_at is None:
        dispute.closed_at = timezone.now()
    dispute.save()
    held = _hold_or_release(order, dispute)
    label = dispute.get_status_display().lower()
    if created or dispute.status == Dispute.Status.LOST:
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
        if warehouse.never_left(request) and request.status == OutboxEntry.Status.PENDING:
            OutboxEntry.objects.filter(pk=request.pk).update(status=OutboxEntry.Status.HELD)
            return "The fulfilment request is held until the dispute is decided."
        return ""
    if request.status != OutboxEntry.Status.HELD:
        return ""
    if dispute.status == Dispute.Status.LOST:
        OutboxEntry.objects.filter(pk=request.pk).update(status=OutboxEntry.Status.WITHDRAWN, sent_at=timezone.now())
        return "The held fulfilment request is withdrawn."
    OutboxEntry.objects.filter(pk=request.pk).update(status=OutboxEntry.Status.PENDING, next_attempt_at=timezone.now())
    transaction.on_commit(lambda: outbox.enqueue(request.pk))
    return "The held fulfilment request is sent."
