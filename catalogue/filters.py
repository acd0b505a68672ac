"""The catalogue's query parameters (search, topic, ordering), shared by the API and the catalogue page."""

import django_filters
from django.db.models import F

from .models import Publication, Topic
from .selectors import in_stable_order, publication_search


class UndatedLastOrderingFilter(django_filters.OrderingFilter):
    """Publications without a date come last whichever way dates are sorted (SQLite and
    PostgreSQL disagree on where NULL goes otherwise)."""

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        if value.lstrip("-") != "published":
            return value
        published = F("published")
        return published.desc(nulls_last=True) if value.startswith("-") else published.asc(nulls_last=True)


class PublicationFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label="Words of the title, subtitle, authors, summary or key findings, or an ISBN in any format"
    )
    topic = django_filters.ModelChoiceFilter(
        # A callable: each request's copy of the filters copies a function, not a queryset.
        field_name="topics", queryset=lambda request: Topic.objects.all(), to_field_name="slug", label="Topic (slug)"
    )
    ordering = UndatedLastOrderingFilter(
        fields=(("price", "price"), ("title", "title"), ("published", "published")),
        label="Order by price, -price, title, -title, published or -published",
    )

    class Meta:
        model = Publication
        fields = ["search", "topic", "ordering"]

    def given(self) -> list[str]:
        """The filters the request asks for (most ask only for a page)."""
        return asked(self.data) if self.is_bound else []

    def is_valid(self) -> bool:
        return self.given() in ([], ["search"]) or super().is_valid()

    @property
    def qs(self):
        # Nothing asked for, or only words to search (any text is valid: the form would only
        # strip it): the list without building and validating the form.
        given = self.given()
        if given == ["search"]:
            return in_stable_order(publication_search(self.queryset.all(), self.data["search"].strip()))
        return super().qs if given else self.queryset.all()

    def get_form_class(self):
        # The form's fields are the same for every request (built once); each form copies them.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def filter_search(self, queryset, name, value):
        return publication_search(queryset, value)

    def filter_queryset(self, queryset):
        return in_stable_order(super().filter_queryset(queryset))


def asked(params) -> list[str]:
    """The filters these query parameters ask for, in the filter set's order."""
    return [name for name in PublicationFilter.base_filters if params.get(name)]


def list_key(params) -> str:
    """What names a filtered list: the filters asked for, in a fixed order, and nothing else of
    the query string (any other parameter would make the same list look new)."""
    return "&".join(f"{name}={params.get(name)}" for name in asked(params))


def search_alone(params) -> str | None:
    """The words of a search asked for without a topic or an ordering (most searches), which
    lists read without a filter set (listing.paginator's `search`); None for any other list."""
    return params["search"] if asked(params) == ["search"] and params["search"].strip() else None
