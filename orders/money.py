"""Money as the shop counts it: pounds to the penny, prices VAT-inclusive."""

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def vat_within(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside a VAT-inclusive amount."""
    return money(gross * rate / (1 + rate)) if rate else ZERO
