"""VAT receipts and credit notes.

A receipt is issued in the transaction that marks an order paid, a credit note in the one that
records a refund Stripe confirmed; each takes the next number of its own gapless sequence there,
so a rollback gives the number back. What a document says is stored when it is issued (seller,
card) or is immutable already (the order's lines and totals, the refund's lines and amount):
drawn again later (orders.pdf) it says the same.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings
from django.db.models import F, Sum

from . import gateway
from .errors import PaymentUnavailable
from .models import CreditNote, DocumentSequence, Order, Receipt, Refund, RefundLine
from .money import ZERO, money

log = logging.getLogger(__name__)

RECEIPTS = "receipt"
CREDIT_NOTES = "credit_note"


def card_of(intent: gateway.Intent) -> gateway.Card | None:
    """The card that paid, asked of Stripe: call it outside any transaction or lock. A receipt
    issued without it says "Card" (Stripe not answering must not hold up the payment)."""
    if not intent.payment_method:
        return None
    try:
        return gateway.payment_method_card(intent.payment_method)
    except (PaymentUnavailable, stripe.StripeError) as error:  # unreachable, or refusing (a restricted key)
        log.warning("The card behind %s is unknown (%s): the receipt says 'Card'", intent.id, error)
        return None


def next_number(sequence: str) -> int:
    """The next number of a gapless sequence. Call it inside the issuing transaction: the
    UPDATE keeps the row locked until that transaction ends."""
    DocumentSequence.objects.bulk_create([DocumentSequence(name=sequence)], ignore_conflicts=True)
    DocumentSequence.objects.filter(name=sequence).update(last=F("last") + 1)
    return DocumentSequence.objects.get(name=sequence).last


def _seller() -> dict:
    return {
        "seller_name": settings.SHOP_NAME, "seller_address": "\n".join(settings.SELLER_ADDRESS),
        "seller_vat_number": settings.SELLER_VAT_NUMBER,
    }  # fmt: skip


def sold_to(order: Order) -> str:
    lines = [order.name, order.line1, order.line2, f"{order.city} {order.postcode}".strip(), order.country.name]
    return "\n".join(line for line in lines if line)


def receipt_issue(*, order: Order, card: gateway.Card | None) -> Receipt:
    """The receipt of an order just marked paid (in that transaction, the order locked)."""
    return Receipt.objects.create(
        order=order, number=next_number(RECEIPTS), issued_at=order.paid_at, payment_intent=order.payment_intent,
        sold_to=sold_to(order), delivery_name=order.delivery_method.name,
        card_brand=card.brand if card else "", card_last4=card.last4 if card else "", **_seller(),
    )  # fmt: skip


def credit_note_issue(*, refund: Refund) -> CreditNote | None:
    """The credit note of a refund Stripe has just confirmed, citing the order's receipt; none
    for an order never marked paid (a payment returned because its copies were gone)."""
    receipt = Receipt.objects.filter(order_id=refund.order_id).first()
    if receipt is None:
        return None
    return CreditNote.objects.create(
        refund=refund, receipt=receipt, number=next_number(CREDIT_NOTES), issued_at=refund.refunded_at,
        sold_to=receipt.sold_to, card_brand=receipt.card_brand, card_last4=receipt.card_last4, **_seller(),
    )  # fmt: skip


@dataclass(frozen=True)
class DocumentLine:
    title: str
    isbn: str
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal  # a percentage
    total: Decimal


@dataclass(frozen=True)
class Facts:
    """What a receipt or credit note lists: lines, delivery, VAT per rate and the total."""

    lines: list[DocumentLine]
    delivery: Decimal
    delivery_vat_rate: Decimal
    vat_by_rate: list[dict]  # rate (a percentage), net, vat, gross
    total: Decimal

    @property
    def vat(self) -> Decimal:
        return sum((row["vat"] for row in self.vat_by_rate), ZERO)


def receipt_facts(receipt: Receipt) -> Facts:
    order = receipt.order
    lines = [
        DocumentLine(line.title, line.isbn_display, line.quantity, line.unit_price, line.vat_rate * 100, line.line_total)
        for line in order.lines.all()
    ]
    return Facts(lines, order.delivery, order.delivery_vat_rate * 100, order.vat_by_rate(), order.total)


def credit_note_facts(note: CreditNote) -> Facts:
    """The refund's copies at their unit prices, and whatever more it returned as delivery; the
    VAT inside each part at the rate it was charged at. Each part's VAT is the VAT of everything
    refunded of it so far, this note included, less what earlier notes credited: the notes of an
    order refunded in full add up to its receipt's VAT to the penny."""
    refund, order = note.refund, note.refund.order
    earlier = RefundLine.objects.filter(refund__order=order, refund__credit_note__number__lt=note.number)
    copies_before = dict(earlier.values("order_line").annotate(n=Sum("quantity")).values_list("order_line", "n"))
    lines, rates = [], {}

    def credit(rate: Decimal, gross: Decimal, vat: Decimal) -> None:
        row = rates.setdefault(rate, {"rate": rate * 100, "gross": ZERO, "vat": ZERO})
        row["gross"] += gross
        row["vat"] += vat

    for refund_line in refund.lines.select_related("order_line"):
        line, before = refund_line.order_line, copies_before.get(refund_line.order_line_id, 0)
        lines.append(DocumentLine(line.title, line.isbn_display, refund_line.quantity, line.unit_price, line.vat_rate * 100, refund_line.amount))
        credit(line.vat_rate, refund_line.amount, _share(line.vat, before + refund_line.quantity, line.quantity) - _share(line.vat, before, line.quantity))
    delivery = refund.amount - sum((line.total for line in lines), ZERO)
    if delivery:
        earlier_notes = CreditNote.objects.filter(refund__order=order, number__lt=note.number).select_related("refund")
        delivery_before = sum((_delivery_part(other.refund) for other in earlier_notes), ZERO)
        delivery_vat = order.vat - sum((line.vat for line in order.lines.all()), ZERO)
        vat = _share(delivery_vat, delivery_before + delivery, order.delivery) - _share(delivery_vat, delivery_before, order.delivery)
        credit(order.delivery_vat_rate, delivery, vat)
    vat_by_rate = [{**row, "net": row["gross"] - row["vat"]} for _, row in sorted(rates.items())]
    return Facts(lines, delivery, order.delivery_vat_rate * 100, vat_by_rate, refund.amount)


def _share(total: Decimal, part, whole) -> Decimal:
    """The VAT of `part` of `whole`, `total` being the VAT of the whole (rounded as it was)."""
    return money(total * Decimal(part) / Decimal(whole)) if whole else ZERO


def _delivery_part(refund: Refund) -> Decimal:
    return refund.amount - sum((line.amount for line in refund.lines.all()), ZERO)
