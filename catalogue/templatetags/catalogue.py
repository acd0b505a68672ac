"""Filters and tags for the catalogue's pages."""

from datetime import date
from functools import lru_cache

from django import template
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


@register.simple_tag
def availability(publication) -> str:
    """"Print copy: £8.50", or why no copy can be bought (a catalogue card, a publication's page)."""
    if not publication.on_sale:
        return mark_safe('<span class="unavailable">Print copy not available</span>')
    if not publication.in_stock:
        return format_html('Print copy: £{} <span class="unavailable">(out of stock)</span>', publication.price)
    return format_html("Print copy: £{}", publication.price)


@register.simple_tag
def publication_card(publication) -> str:
    """One publication in the catalogue's list, written here as the admin writes its change list's
    rows: a page shows 20, and the template language's lookups and include for each were most of
    the time a page not kept yet took. Numbers as the shop writes them (£8.50, 52 pages)."""
    subtitle = format_html('\n  <p class="subtitle">{}</p>', publication.subtitle) if publication.subtitle else ""
    published = format_html("<span>Published {}</span> · ", long_date(publication.published)) if publication.published else ""
    return format_html(
        '<li class="publication-card">\n  <h2><a href="{}">{}</a></h2>{}\n'
        '  <p class="meta">{}<span>{} pages</span> · <span>ISBN {}</span></p>\n'
        '  <p class="price">{}</p>\n</li>',
        publication.get_absolute_url(), publication.title, subtitle, published, publication.pages,
        publication.isbn_display, availability(publication),
    )  # fmt: skip
