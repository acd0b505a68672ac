"""Filters and tags for the catalogue's pages."""

from datetime import date
from functools import lru_cache
from html import escape

from django import template
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models import page_paths

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
def publication_cards(publications) -> str:
    """The catalogue's list of publications, a card each, written here as the admin writes its
    change list's rows: the template language's lookups, and an include for each of a page's 20,
    were most of the time a page not kept yet took. Every text from a publication is escaped
    (the standard library's escape, which Django's wraps); numbers as the shop writes them (£8.50,
    52 pages)."""
    path, language = page_paths(), translation.get_language()
    return mark_safe("".join(_card(publication, path, language) for publication in publications))


def _card(publication, path, language: str) -> str:
    subtitle = f'\n  <p class="subtitle">{escape(publication.subtitle)}</p>' if publication.subtitle else ""
    published = f"<span>Published {escape(_long_date(publication.published, language))}</span> · " if publication.published else ""
    return (
        f'<li class="publication-card">\n  <h2><a href="{escape(path(publication.slug))}">{escape(publication.title)}</a></h2>{subtitle}\n'
        f'  <p class="meta">{published}<span>{publication.pages:d} pages</span> · <span>ISBN {escape(publication.isbn_display)}</span></p>\n'
        f'  <p class="price">{availability(publication)}</p>\n</li>\n'
    )
