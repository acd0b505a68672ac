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

from django.conf import settings
from django.db.models import F

from . import gateway, refunds
from .errors import PaymentUnavailable
from .models import CreditNote, DocumentSequence, Order, Receipt, Refund
from .money import ZERO, vat_by_rate

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
    except (PaymentUnavailable, gateway.StripeError) as error:  # unreachable, or refusing (a restricted key)
        log.warning("The card behind %s is unknown (%s): the receipt says 'Card'", intent.id, error)
        return None


def next_number(sequence: str) -> int:
    """The next number of a gapless sequence. Call it inside the issuing transaction: the
    UPDATE keeps the row locked until that transaction ends. The sequence's row is made by its
    first number (inserted, unless another transaction has just made it), not looked for every time."""
    numbered = DocumentSequence.objects.filter(name=sequence)
    if not numbered.update(last=F("last") + 1):
        DocumentSequence.objects.bulk_create([DocumentSequence(name=sequence)], ignore_conflicts=True)
        numbered.update(last=F("last") + 1)
    return numbered.get().last


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
    """The refund's parts as it stored them (orders.refunds): copies at their unit prices, part
    of a line's price, and delivery, each with its VAT at the rate it was charged at."""
    refund, order = note.refund, note.refund.order
    lines = []
    for part in refund.lines.all():
        line = part.order_line
        title = line.title if part.quantity else f"{line.title} (part of its price)"
        lines.append(DocumentLine(title, line.isbn_display, part.quantity, line.unit_price, line.vat_rate * 100, part.amount))
    rows = vat_by_rate(refunds.stored_parts(refund))
    return Facts(lines, refund.delivery_amount, order.delivery_vat_rate * 100, rows, refund.amount)
