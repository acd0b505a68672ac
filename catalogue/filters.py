"""The catalogue's query parameters (search, topic, ordering), shared by the API and the catalogue page."""

import django_filters
from django.db.models import F

from .models import Publication, Topic
from .selectors import publication_search


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
        field_name="topics", queryset=Topic.objects.all(), to_field_name="slug", label="Topic (slug)"
    )
    ordering = UndatedLastOrderingFilter(
        fields=(("price", "price"), ("title", "title"), ("published", "published")),
        label="Order by price, -price, title, -title, published or -published",
    )

    class Meta:
        model = Publication
        fields = ["search", "topic", "ordering"]

    def filter_search(self, queryset, name, value):
        return publication_search(queryset, value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A stable order whatever the choice, so that pages never repeat or skip a publication.
        return queryset.order_by(*queryset.query.order_by, *Publication._meta.ordering) if queryset.query.order_by else queryset
