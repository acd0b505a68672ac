"""What a refund returns, worked out before anything is written: the whole of what is left, chosen
copies (and the delivery), or a custom amount spread over what is left of the lines and delivery
by their gross. Each part carries its VAT: the VAT inside it at its rate, except that the part
which empties a line (or the delivery) takes all the VAT left on it, so the refunds of an order
refunded in full add up to its VAT to the penny.

services.order_refund plans under the order's lock and records the plan; the admin shows the
same plan on its confirmation page before anything is refunded.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum

from .errors import RefundRefused
from .models import Order, OrderLine, Refund, RefundLine
from .money import PENNY, ZERO, money, vat_by_rate, vat_within


@dataclass(frozen=True)
class Part:
    line: OrderLine | None  # None: the delivery
    quantity: int  # copies; 0 for part of the price without copies (and for the delivery)
    amount: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Plan:
    order: Order
    parts: list[Part]

    @property
    def amount(self) -> Decimal:
        return sum((part.amount for part in self.parts), ZERO)

    @property
    def line_parts(self) -> list[Part]:
        return [part for part in self.parts if part.line is not None]

    @property
    def delivery(self) -> Decimal:
        return sum((part.amount for part in self.parts if part.line is None), ZERO)

    @property
    def delivery_vat(self) -> Decimal:
        return sum((part.vat for part in self.parts if part.line is None), ZERO)

    def vat_by_rate(self) -> list[dict]:
        return vat_by_rate([(part.line.vat_rate if part.line else self.order.delivery_vat_rate, part.amount, part.vat) for part in self.parts])


@dataclass
class Left:
    """What is still refundable of a line or of the delivery."""

    line: OrderLine | None
    rate: Decimal
    copies: int
    amount: Decimal
    vat: Decimal

    def part(self, quantity: int, amount: Decimal) -> Part:
        empties = amount == self.amount
        return Part(self.line, quantity, amount, self.vat if empties else min(vat_within(amount, self.rate), self.vat))


def left_to_refund(order: Order) -> tuple[list[Left], Left, Decimal]:
    """What is still refundable of each line and of the delivery, and of the order in all."""
    taken = {
        row["order_line"]: row
        for row in RefundLine.objects.filter(refund__order=order)
        .values("order_line").annotate(copies=Sum("quantity"), amount=Sum("amount"), vat=Sum("vat"))
    }  # fmt: skip
    lines = []
    for line in order.lines.all():
        row = taken.get(line.pk, {"copies": 0, "amount": ZERO, "vat": ZERO})
        lines.append(Left(line, line.vat_rate, line.quantity - row["copies"], money(line.line_total - row["amount"]), money(line.vat - row["vat"])))
    # (SQLite sums decimals to fifteen places: each figure back to pence.)
    refunds = order.refunds.aggregate(amount=Sum("amount"), delivery=Sum("delivery_amount"), delivery_vat=Sum("delivery_vat"))
    delivery_vat = order.vat - sum((line.vat for line in order.lines.all()), ZERO)
    delivery = Left(
        None, order.delivery_vat_rate, 0, money(order.delivery - (refunds["delivery"] or ZERO)),
        money(delivery_vat - (refunds["delivery_vat"] or ZERO)),
    )  # fmt: skip
    return lines, delivery, money(order.total - (refunds["amount"] or ZERO))


def refund_plan(order: Order, *, quantities: dict[int, int] | None = None, delivery: bool = False, amount: Decimal | None = None) -> Plan:
    """The refund of `amount` (spread by gross), or of chosen copies ({order line id: copies})
    and, with `delivery`, the delivery; with none of these, of everything left. ValidationError
    names what cannot be refunded; RefundRefused when nothing (or too much) would be."""
    lines, delivery_left, remaining = left_to_refund(order)
    if amount is not None:
        parts = _spread(amount, [*lines, delivery_left], remaining)
    elif quantities or delivery:
        parts = _chosen(order, lines, quantities or {}) + ([_delivery(delivery_left)] if delivery else [])
    else:
        parts = [left.part(left.copies, left.amount) for left in [*lines, delivery_left] if left.amount > 0 or left.copies > 0]
    plan = Plan(order, [part for part in parts if part.amount or part.quantity])
    if plan.amount <= 0 or plan.amount > remaining:
        raise RefundRefused(amount=str(plan.amount), refundable=str(remaining))
    return plan


def _chosen(order: Order, lines: list[Left], quantities: dict[int, int]) -> list[Part]:
    by_pk = {left.line.pk: left for left in lines}
    unknown = set(quantities) - set(by_pk)
    if unknown:
        raise ValidationError({"lines": f"Not lines of order {order.number}: {sorted(unknown)}."})
    parts = []
    for pk, copies in quantities.items():
        if not copies:
            continue
        left = by_pk[pk]
        if not 0 < copies <= left.copies:
            raise ValidationError({"lines": f"{left.line.title}: {left.copies} copies can still be refunded, not {copies}."})
        # The last copies take whatever is left of the line (less, if a custom amount took some).
        parts.append(left.part(copies, left.amount if copies == left.copies else min(left.line.unit_price * copies, left.amount)))
    return parts


def _delivery(left: Left) -> Part:
    if left.amount <= 0:
        raise ValidationError({"delivery": "There is no delivery charge left to refund on this order."})
    return left.part(0, left.amount)


def _spread(amount: Decimal, pots: list[Left], remaining: Decimal) -> list[Part]:
    """`amount` over what is left of each line and the delivery, in proportion to it, to the
    penny (the pennies rounding leaves go to the largest remainders)."""
    if amount != amount.quantize(PENNY):
        raise ValidationError({"amount": f"Give the amount in pounds and pence, not {amount}."})
    pots = [pot for pot in pots if pot.amount > 0]
    whole = sum((pot.amount for pot in pots), ZERO)
    if not ZERO < amount <= min(remaining, whole):
        raise RefundRefused(amount=str(amount), refundable=str(min(remaining, whole)))
    exact = [amount * pot.amount / whole for pot in pots]
    shares = [share.quantize(PENNY, rounding=ROUND_DOWN) for share in exact]
    pennies = int((amount - sum(shares, ZERO)) / PENNY)
    for index in sorted(range(len(pots)), key=lambda i: exact[i] - shares[i], reverse=True)[:pennies]:
        shares[index] += PENNY
    return [pot.part(0, share) for pot, share in zip(pots, shares, strict=True) if share]


def stored_parts(refund: Refund) -> list[tuple[Decimal, Decimal, Decimal]]:
    """A recorded refund's parts as (rate, gross, VAT)."""
    parts = [(line.order_line.vat_rate, line.amount, line.vat) for line in refund.lines.all()]
    if refund.delivery_amount:
        parts.append((refund.order.delivery_vat_rate, refund.delivery_amount, refund.delivery_vat))
    return parts
