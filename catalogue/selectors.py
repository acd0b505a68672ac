"""The catalogue's reads, shared by the API, the pages and the admin."""

from datetime import timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, Case, Count, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from shop.prepared import Prepared

from . import isbn
from .models import Comment, Publication, StockMovement, Topic


# How like a word of a title a search term must be (pg_trgm's word similarity, 0 to 1) to be
# taken for a typo of it, when nothing matches the term as written.
TYPO_SIMILARITY = 0.3
SEARCHED_FIELDS = ["title", "subtitle", "summary", "authors", "key_findings"]
# The search column is the database's own (catalogue migration 0004), unknown to the model.
_TSQUERY = "websearch_to_tsquery('english'::regconfig, %s)"
_VECTOR = '"catalogue_publication"."search_vector"'


def _no_books_isbn(index: int) -> str:
    """The index-th valid ISBN that no book has (979-0 is for printed music)."""
    digits = f"979000000{index:03d}"
    return digits + str(-sum(int(digit) * (3 if at % 2 else 1) for at, digit in enumerate(digits)) % 10)


# A valid ISBN no book has: what prepared reads by ISBN are compiled with (shop.prepared).
NO_BOOKS_ISBN = _no_books_isbn(0)


def publication_search(queryset: QuerySet, term: str) -> QuerySet:
    """The publications a reader means by `term`, best first (the API, the catalogue page and the
    admin search alike): the ISBN in any format or a run of its digits, or words of the title,
    subtitle, authors, summary and key findings. On PostgreSQL, full-text search (stemmed
    English, ranked by where the words are) and, when nothing matches, titles with a word like
    the term (a typo: "pateint"); on SQLite every word of the term appears somewhere."""
    term = _searched(term)
    if not term:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        found = _found_postgres(queryset, term, *_isbn_sought(term))
        if _only_digits(term) or found.exists():
            return found
        return _typo_postgres(queryset, term) if _has_words(term, queryset.db) else queryset.none()
    return _search_simple(queryset, term, _isbn_condition(*_isbn_sought(term)))


def search_ids(term: str, limit: int, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """The ids of the publications publication_search finds for `term` among them all, in the
    order lists show them (in_stable_order), at most `limit`. On PostgreSQL from statements
    compiled once per kind of term and limit, bound on the server and so prepared there after a
    few searches: building and compiling the search's queryset cost as much as running it. Words
    that match nothing are taken for a typo, as publication_search takes them."""
    term = _searched(term)
    if not term or connections[using].vendor != "postgresql":
        found = in_stable_order(publication_search(Publication.objects.using(using), term))
        return list(found.values_list("pk", flat=True)[:limit])
    kind, sought = _isbn_sought(term)
    ids = _prepared_search("found", kind, limit).rows(term, *([sought] if kind else []), using=using)
    if not ids and not _only_digits(term) and _has_words(term, using):
        ids = _prepared_search("typo", None, limit).rows(term, using=using)
    return [row[0] for row in ids]


def in_stable_order(queryset: QuerySet) -> QuerySet:
    """The queryset's order, then the catalogue's, so that pages never repeat or skip a
    publication whatever order was chosen."""
    return queryset.order_by(*queryset.query.order_by, *Publication._meta.ordering) if queryset.query.order_by else queryset


def _searched(term: str) -> str:
    return " ".join(term.split())[:200]


def _only_digits(term: str) -> bool:
    return term.replace(" ", "").replace("-", "").isdigit()  # digits are no typo of a title


def _has_words(term: str, using: str) -> bool:
    """Whether the term has words to search for, not only words too common for that ("the")."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT numnode({_TSQUERY})", [term])
        return bool(cursor.fetchone()[0])


def _isbn_sought(term: str) -> tuple[str | None, str | None]:
    """What of an ISBN the term is: a whole one ("isbn", its 13 digits), a run of four or more of
    its digits ("digits", the LIKE pattern), or none (None, None)."""
    isbn13 = isbn.normalise_or_none(term)
    if isbn13:
        return "isbn", isbn13
    digits = term.replace("-", "").replace(" ", "")
    if digits.isdigit() and len(digits) >= 4:
        return "digits", f"%{digits}%"
    return None, None


def _isbn_condition(kind: str | None, sought: str | None) -> Q:
    if kind == "isbn":
        return Q(isbn=sought)
    if kind == "digits":  # on PostgreSQL, served by the ISBN's trigram index
        return Q(RawSQL('"catalogue_publication"."isbn" LIKE %s', [sought], output_field=BooleanField()))
    return Q(pk__in=[])


def _found_postgres(queryset: QuerySet, term: str, kind: str | None, sought: str | None) -> QuerySet:
    matches = RawSQL(f"{_VECTOR} @@ {_TSQUERY}", [term], output_field=BooleanField())
    rank = RawSQL(f"ts_rank({_VECTOR}, {_TSQUERY})", [term], output_field=FloatField())
    return queryset.filter(Q(matches) | _isbn_condition(kind, sought)).annotate(search_rank=rank).order_by("-search_rank")


def _typo_postgres(queryset: QuerySet, term: str) -> QuerySet:
    # `<%` is word_similarity >= pg_trgm.word_similarity_threshold, set to TYPO_SIMILARITY for
    # each connection (catalogue.apps), so that the title's trigram index serves it.
    like = RawSQL('%s <%% "catalogue_publication"."title"', [term], output_field=BooleanField())
    return queryset.filter(like).annotate(search_rank=TrigramWordSimilarity(Value(term), "title")).order_by("-search_rank")


_prepared_searches: dict[tuple, Prepared] = {}


def _prepared_search(which: str, kind: str | None, limit: int) -> Prepared:
    """search_ids' statement for found matches of a kind of term, or typos, up to `limit`."""
    key = (which, kind, limit)
    if key not in _prepared_searches:
        def build(term, sought=None):
            searched = _found_postgres(Publication.objects.all(), term, kind, sought) if which == "found" else _typo_postgres(Publication.objects.all(), term)
            return in_stable_order(searched).values_list("pk")[:limit]

        placeholders = ["\x01search words", NO_BOOKS_ISBN if kind == "isbn" else "%\x01isbn digits%"]
        _prepared_searches[key] = Prepared(build, placeholders.__getitem__)
    return _prepared_searches[key]


def _search_simple(queryset: QuerySet, term: str, isbn_match: Q) -> QuerySet:
    every_word = Q()
    for word in term.split():
        every_word &= reduce(or_, (Q(**{f"{field}__icontains": word}) for field in SEARCHED_FIELDS))
    rank = Case(When(title__icontains=term, then=Value(2)), When(subtitle__icontains=term, then=Value(1)), default=Value(0))
    return queryset.filter(every_word | isbn_match).annotate(search_rank=rank).order_by("-search_rank")


LIST_FIELDS = ["isbn", "title", "subtitle", "slug", "price", "pages", "published", "on_sale", "stock"]


def publication_list() -> QuerySet:
    """Publications as lists show them: without the long texts a list never shows."""
    return Publication.objects.only(*LIST_FIELDS)


def _comment_count():
    """Approved comments, counted beside the row (a subquery, not a join grouped by every column)."""
    approved = Comment.objects.filter(publication=OuterRef("pk"), status=Comment.Status.APPROVED).order_by()
    return Coalesce(Subquery(approved.values("publication").annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


def publication_detail() -> QuerySet:
    """Publications with what a detail view shows, in two queries whatever their size."""
    return Publication.objects.prefetch_related("topics").annotate(comment_count=_comment_count())


# The API's detail, on every reader's request: compiled once (shop.prepared), and on PostgreSQL
# one query, the topics' slugs an array beside the row.
API_DETAIL_FIELDS = [*LIST_FIELDS, "summary", "key_findings", "policy_implications", "authors"]


def _api_detail(isbn13: str) -> QuerySet:
    queryset = Publication.objects.only(*API_DETAIL_FIELDS).annotate(comment_count=_comment_count())
    if connections[queryset.db].vendor == "postgresql":
        slugs = Topic.objects.filter(publications=OuterRef("pk")).order_by("name").values("slug")
        queryset = queryset.annotate(topic_slugs=ArraySubquery(slugs))
    return queryset.filter(isbn=isbn13)


_by_isbn = Prepared(_api_detail, lambda index: NO_BOOKS_ISBN)
_topics_of = Prepared(lambda pk: Topic.objects.filter(publications=pk).order_by("name"), lambda index: -1)


def publication_for_api(raw: str) -> Publication:
    """The publication with this ISBN written any way, or 404, with `comment_count` and
    `topic_slugs`."""
    found = list(_by_isbn(_isbn13_or_404(raw)))
    if not found:
        raise Http404("No publication has that ISBN.")
    publication = found[0]
    if not hasattr(publication, "topic_slugs"):
        publication.topic_slugs = [topic.slug for topic in _topics_of(publication.pk)]
    return publication


_by_ids = Prepared(lambda *ids: publication_list().order_by().filter(pk__in=ids), lambda index: -1 - index)


_by_isbns = Prepared(lambda *isbns: Publication.objects.filter(isbn__in=isbns).order_by(), _no_books_isbn)
_locked = Prepared(lambda *ids: Publication.objects.select_for_update().filter(pk__in=ids).order_by("pk"), lambda index: -1 - index)


def publications_by_isbn(isbns: list[str]) -> dict[str, Publication]:
    """The publications with these ISBN-13s, by ISBN (missing ones left out)."""
    return {publication.isbn: publication for publication in _by_isbns(*isbns)} if isbns else {}


def publications_locked(ids: list[int]) -> list[Publication]:
    """These publications as they are now, in pk order, their rows locked until the transaction
    ends (in pk order, as everything that locks several of them does)."""
    return _locked(*ids) if ids else []


def publications_by_ids(ids: list[int]) -> list[Publication]:
    """Publications as lists show them, in the order of `ids` (missing ones left out)."""
    rows = {row.pk: row for row in _by_ids(*ids)} if ids else {}
    return [rows[pk] for pk in ids if pk in rows]


def _isbn13_or_404(raw: str) -> str:
    try:
        return isbn.normalise(raw)
    except ValidationError as error:
        raise Http404(f"{raw!r} is not an ISBN: {error.messages[0]}") from None


def publication_by_isbn(raw: str) -> Publication:
    """The publication with this ISBN written any way, or 404 (saying why, if it is no ISBN at all)."""
    isbn13 = _isbn13_or_404(raw)
    try:
        return Publication.objects.get(isbn=isbn13)
    except Publication.DoesNotExist:
        raise Http404("No publication has that ISBN.") from None


def comments_approved(publication: Publication) -> QuerySet:
    return publication.comments.filter(status=Comment.Status.APPROVED).order_by("number")


def comments_approved_by_slug(slug: str) -> QuerySet:
    return Comment.objects.filter(publication__slug=slug, status=Comment.Status.APPROVED).order_by("number")


def low_on_stock() -> QuerySet:
    """On sale and at or under their reorder level."""
    return Publication.objects.filter(on_sale=True, stock__lte=F("reorder_level"))


def publications_low_on_stock() -> list[Publication]:
    """On sale and at or under their reorder level, those that will run out soonest first, each
    with `sold` (copies sold, less cancelled, in the last STOCK_SALES_DAYS days), `per_day` and
    `days_left` (stock over sales per day; None with no sales: those come last, emptiest first)."""
    since = timezone.now() - timedelta(days=settings.STOCK_SALES_DAYS)
    recent = Q(stock_movements__created_at__gte=since, stock_movements__reason__in=[StockMovement.Reason.SALE, StockMovement.Reason.CANCELLATION])
    low = list(
        low_on_stock()
        .annotate(sold=Coalesce(-Sum("stock_movements__delta", filter=recent), 0))
        .order_by("stock", "title")
    )
    for publication in low:
        publication.sold = max(publication.sold, 0)
        publication.per_day = Decimal(publication.sold) / settings.STOCK_SALES_DAYS
        publication.days_left = (Decimal(publication.stock) / publication.per_day).quantize(Decimal("0.1")) if publication.sold else None
    return sorted(low, key=lambda p: (p.days_left is None, p.days_left or 0, p.stock, p.title))
