"""Filters for the catalogue's pages."""

from datetime import date
from functools import lru_cache

from django import template
from django.utils import translation
from django.utils.formats import date_format

register = template.Library()


@register.filter
def long_date(value: date | None) -> str:
    """3 March 2024: the `date:"j F Y"` filter, worked out once per day and language (a page of
    the catalogue shows 20 dates, and formatting each, month names translated, cost a fifth of
    its rendering)."""
    return _long_date(value, translation.get_language()) if value else ""


@lru_cache(maxsize=8192)
def _long_date(value: date, language: str) -> str:
    return date_format(value, "j F Y")
