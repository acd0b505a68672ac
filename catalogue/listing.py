"""Any page of the catalogue for the same price as the first, however large the catalogue.

`?page=N` by OFFSET makes the database walk past every earlier row, and counting the list walks
all of it: at 100,000 publications a deep page took seconds. The order of a list (its ids, in
order: 8 bytes a publication) changes only when the catalogue does, so each process reads it
once per catalogue version (catalogue.cache) and keeps it in memory; a page is then the ids at its
positions, read by primary key, and the count is the list's length, exact. A search's matches
depend on the words searched for, so they are read for each search, ranked, up to one past
LIST_COUNT_LIMIT (counting them, then reading a page by OFFSET, ranked them twice).
"""

import hashlib
import threading
import time
from array import array
from collections import OrderedDict

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from shop.pagination import BoundedPaginator
from shop.prepared import bound_on_the_server

from .cache import current_version
from .selectors import publications_by_ids, search_ids


# Kept apart from the local cache: its culling, with thousands of pages kept beside them, threw
# out the order of a 100,000-publication list again and again (at 100,000, any page ran at half
# the speed it did at 10,000). A process seldom needs more than a few orders per version (the
# whole list and a topic or two, in the orderings readers choose).
KEPT_ORDERS = 32
_orders: OrderedDict[str, tuple[float, array]] = OrderedDict()
_orders_lock = threading.Lock()


def ids_in_order(queryset: QuerySet, version, list_key: str | None = None) -> array:
    """The ids of the list, in its order, as of this catalogue version (8 bytes an id), read
    again after CATALOGUE_CACHE_SECONDS like any cached catalogue read. `list_key` names the list
    when the caller knows what makes it (its filters, for one kind of caller); otherwise its SQL
    does, compiled for each call (a tenth of an uncached page)."""
    compiled = None
    if list_key is None:
        compiled = queryset.values_list("pk").query.sql_with_params()
        list_key = repr(compiled)
    key = hashlib.sha256(repr((version, queryset.db, list_key)).encode()).hexdigest()
    with _orders_lock:
        read_at, ids = _orders.get(key, (None, None))
        if ids is not None and time.monotonic() - read_at < settings.CATALOGUE_CACHE_SECONDS:
            _orders.move_to_end(key)
            return ids
    ids = _read_ids(*(compiled or queryset.values_list("pk").query.sql_with_params()), queryset.db)
    with _orders_lock:
        _orders[key] = (time.monotonic(), ids)
        _orders.move_to_end(key)
        while len(_orders) > KEPT_ORDERS:
            _orders.popitem(last=False)
    return ids


def matches_in_order(queryset: QuerySet) -> array:
    """A search's matches, best first, up to one past LIST_COUNT_LIMIT: enough to tell whether
    there are more. The same few statements with other words each time: prepared on the server."""
    sql, params = queryset.values_list("pk")[: settings.LIST_COUNT_LIMIT + 1].query.sql_with_params()
    with bound_on_the_server(connections[queryset.db]):
        return _read_ids(sql, params, queryset.db)


def _read_ids(sql: str, params, db: str) -> array:
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return array("q", (row[0] for row in cursor.fetchall()))


class PositionPaginator(Paginator):
    """Pages of a list of publications by the positions of their ids (ids_in_order, or a search's
    matches_in_order); the count is exact up to `limit`. A page's rows are read as lists show them
    (selectors.publications_by_ids)."""

    def __init__(self, object_list, per_page, *, ids: array, limit: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.ids = ids if limit is None else ids[:limit]
        self.count_is_exact = limit is None or len(ids) <= limit

    @cached_property
    def count(self) -> int:
        return len(self.ids)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(publications_by_ids(self.ids[bottom : bottom + self.per_page].tolist()), number, self)


def paginator(queryset: QuerySet, per_page: int, list_key: str | None = None, search: str | None = None, **kwargs) -> Paginator:
    """The paginator for a list of publications: a search alone (`search`, the words of a search
    asked for without a topic or an ordering, `queryset` the whole list) by the positions of the
    ids it finds (selectors.search_ids), any other search by the positions of its matches; any
    other list by position while the catalogue's version is known (`list_key`: ids_in_order);
    otherwise OFFSET pages, counted up to LIST_COUNT_LIMIT."""
    if search is not None:
        ids = array("q", search_ids(search, settings.LIST_COUNT_LIMIT + 1, using=queryset.db))
        return PositionPaginator(queryset, per_page, ids=ids, limit=settings.LIST_COUNT_LIMIT, **kwargs)
    if queryset.query.is_empty():
        return BoundedPaginator(queryset, per_page, **kwargs)
    if "search_rank" in queryset.query.annotations:
        return PositionPaginator(queryset, per_page, ids=matches_in_order(queryset), limit=settings.LIST_COUNT_LIMIT, **kwargs)
    version = current_version()
    if version is None or not settings.CATALOGUE_CACHE_SECONDS:
        return BoundedPaginator(queryset, per_page, **kwargs)
    return PositionPaginator(queryset, per_page, ids=ids_in_order(queryset, version, list_key), **kwargs)
