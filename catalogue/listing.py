"""Any page of the catalogue for the same price as the first, however large the catalogue.

`?page=N` by OFFSET makes the database walk past every earlier row, and counting the list walks
all of it: at 100,000 publications a deep page took seconds. The order of a list (its ids, in
order: 8 bytes a publication) changes only when the catalogue does, so each process reads it
once per catalogue version (catalogue.cache) and keeps it; a page is then the ids at its
positions, read by primary key, and the count is the list's length, exact. A search's results
depend on the words searched for: those are paged as before (shop.pagination).
"""

import hashlib
from array import array

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from shop.pagination import BoundedPaginator

from .cache import current_version
from .selectors import publications_by_ids


def ids_in_order(queryset: QuerySet, version) -> memoryview:
    """The ids of the list, in its order, as of this catalogue version (8 bytes an id, kept as
    bytes: the local cache copies bytes without unpickling each id)."""
    sql, params = queryset.values_list("pk").query.sql_with_params()
    key = "catalogue:order:" + hashlib.sha256(repr((version, queryset.db, sql, params)).encode()).hexdigest()
    local = caches["local"]
    ids = local.get(key)
    if ids is None:
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(sql, params)
            ids = array("q", (row[0] for row in cursor.fetchall())).tobytes()
        local.set(key, ids, settings.CATALOGUE_CACHE_SECONDS)
    return memoryview(ids).cast("q")


class PositionPaginator(Paginator):
    """Pages of a list of publications by the positions of their ids (ids_in_order); `count` is
    exact. A page's rows are read as lists show them (selectors.publications_by_ids)."""

    count_is_exact = True

    def __init__(self, object_list, per_page, *, ids: memoryview, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.ids = ids

    @cached_property
    def count(self) -> int:
        return len(self.ids)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(publications_by_ids(self.ids[bottom : bottom + self.per_page].tolist()), number, self)


def paginator(queryset: QuerySet, per_page: int, **kwargs) -> Paginator:
    """The paginator for a list of publications: by position while the catalogue's version is
    known and the list is no search; otherwise OFFSET pages, counted up to LIST_COUNT_LIMIT."""
    version = current_version()
    if version is None or not settings.CATALOGUE_CACHE_SECONDS or queryset.query.is_empty() or "search_rank" in queryset.query.annotations:
        return BoundedPaginator(queryset, per_page, **kwargs)
    return PositionPaginator(queryset, per_page, ids=ids_in_order(queryset, version), **kwargs)
