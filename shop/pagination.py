"""Counting a list without paying for all of it: a catalogue of 100,000 publications would cost
every page a full COUNT(*). A bounded paginator counts at most COUNT_LIMIT rows (a COUNT over
`LIMIT COUNT_LIMIT + 1`), so a page's cost stays flat as the catalogue grows; past the limit the
page says "more than N" and offers the pages up to it."""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class BoundedPaginator(Paginator):
    @cached_property
    def _counted(self) -> int:
        """Rows up to one past the limit: enough to tell whether there are more."""
        return self.object_list[: settings.LIST_COUNT_LIMIT + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, settings.LIST_COUNT_LIMIT)

    @property
    def count_is_exact(self) -> bool:
        return self._counted <= settings.LIST_COUNT_LIMIT
