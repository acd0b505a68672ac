"""Money as the shop counts it: pounds to the penny, prices VAT-inclusive."""

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def money(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def vat_within(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside a VAT-inclusive amount."""
    return money(gross * rate / (1 + rate)) if rate else ZERO


def vat_by_rate(parts) -> list[dict]:
    """(rate, gross, VAT) parts as a VAT document lists them: a row per rate, lowest first, with
    the rate as a percentage, the net, the VAT and the gross."""
    rates: dict[Decimal, list[Decimal]] = {}
    for rate, gross, vat in parts:
        row = rates.setdefault(rate, [ZERO, ZERO])
        row[0] += gross
        row[1] += vat
    return [{"rate": rate * 100, "gross": gross, "vat": vat, "net": gross - vat} for rate, (gross, vat) in sorted(rates.items())]
