"""The periods accountants ask for, as presets on the reports page: last month, this month,
the last VAT quarter (its stagger a setting: which months HMRC's quarters end in) and the
financial year to date (its first month a setting)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from .finance import Period


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    period: Period


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _months_back(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - months
    return index // 12, index % 12 + 1


def last_month(today: date) -> Period:
    year, month = _months_back(today.year, today.month, 1)
    return Period(date(year, month, 1), _month_end(year, month))


def last_vat_quarter(today: date, stagger: int) -> Period:
    """The last complete VAT quarter: with stagger 1 quarters end in March, June, September and
    December; stagger 2 a month later (April...); stagger 3 two months later (May...)."""
    year, month = _months_back(today.year, today.month, 1)
    while (month - (stagger - 1)) % 3 != 0:  # walk back to the last month a quarter ends in
        year, month = _months_back(year, month, 1)
    start_year, start_month = _months_back(year, month, 2)
    return Period(date(start_year, start_month, 1), _month_end(year, month))


def financial_year_to_date(today: date, first_month: int) -> Period:
    year = today.year if today.month >= first_month else today.year - 1
    return Period(date(year, first_month, 1), today)


def presets(today: date) -> list[Preset]:
    stagger, first_month = settings.VAT_QUARTER_STAGGER, settings.FINANCIAL_YEAR_START_MONTH
    return [
        Preset("last-month", "Last month", last_month(today)),
        Preset("this-month", "This month to date", Period(today.replace(day=1), today)),
        Preset("last-vat-quarter", "Last VAT quarter", last_vat_quarter(today, stagger)),
        Preset("financial-year", "Financial year to date", financial_year_to_date(today, first_month)),
    ]
