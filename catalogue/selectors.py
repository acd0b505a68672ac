"""The catalogue's reads, shared by the API, the pages and the admin."""

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from . import isbn
from .models import Comment, Publication


def publication_search(queryset: QuerySet, term: str) -> QuerySet:
    """Match title or subtitle, or the ISBN in any format (ISBN-10 or -13, hyphens, spaces, or a run of its digits)."""
    term = term.strip()
    if not term:
        return queryset
    matches = Q(title__icontains=term) | Q(subtitle__icontains=term)
    isbn13 = isbn.normalise_or_none(term)
    if isbn13:
        matches |= Q(isbn=isbn13)
    else:
        digits = term.replace("-", "").replace(" ", "")
        if digits.isdigit() and len(digits) >= 4:
            matches |= Q(isbn__contains=digits)
    return queryset.filter(matches)


LIST_FIELDS = ["isbn", "title", "subtitle", "slug", "price", "pages", "published", "on_sale", "stock"]


def publication_list() -> QuerySet:
    """Publications as lists show them: without the long texts a list never shows."""
    return Publication.objects.only(*LIST_FIELDS)


def publication_detail() -> QuerySet:
    """Publications with what a detail view shows, in two queries whatever their size."""
    return Publication.objects.prefetch_related("topics").annotate(
        comment_count=Count("comments", filter=Q(comments__status=Comment.Status.APPROVED))
    )


def publication_by_isbn(raw: str, queryset: QuerySet | None = None) -> Publication:
    """The publication with this ISBN written any way, or 404 (saying why, if it is no ISBN at all)."""
    try:
        isbn13 = isbn.normalise(raw)
    except ValidationError as error:
        raise Http404(f"{raw!r} is not an ISBN: {error.messages[0]}") from None
    try:
        return (queryset if queryset is not None else Publication.objects.all()).get(isbn=isbn13)
    except Publication.DoesNotExist:
        raise Http404("No publication has that ISBN.") from None


def comments_approved(publication: Publication) -> QuerySet:
    return publication.comments.filter(status=Comment.Status.APPROVED).order_by("number")


def publications_low_on_stock() -> QuerySet:
    """On sale and at or under their reorder level, the emptiest first."""
    return Publication.objects.filter(on_sale=True, stock__lte=F("reorder_level")).order_by("stock", "title")
