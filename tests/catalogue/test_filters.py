"""The catalogue's query parameters (catalogue.filters): what a list asks for, and what it costs."""

import pytest
from django.http import QueryDict

from catalogue import selectors
from catalogue.filters import PublicationFilter
from tests.factories import PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_a_list_asked_only_for_a_page_is_the_whole_list_without_building_the_filter_form():
    PublicationFactory.create_batch(3)
    filterset = PublicationFilter(QueryDict("page=2&search="), queryset=selectors.publication_list())

    assert filterset.is_valid() and filterset.qs.count() == 3
    assert "_form" not in vars(filterset)


def test_every_request_for_a_filter_gets_a_form_of_its_own():
    topic = TopicFactory(slug="care")
    first = PublicationFilter(QueryDict("topic=care"), queryset=selectors.publication_list())
    second = PublicationFilter(QueryDict("topic=nope"), queryset=selectors.publication_list())

    assert first.is_valid() and not second.is_valid()
    assert first.form is not second.form and first.form.cleaned_data["topic"] == topic and "topic" in second.errors


def test_words_alone_are_searched_without_building_the_filter_form_and_in_the_forms_order():
    PublicationFactory(title="Care at home"), PublicationFactory(title="Workforce"), PublicationFactory(title="Home care costs")
    alone = PublicationFilter(QueryDict("search=+care+"), queryset=selectors.publication_list())
    with_ordering = PublicationFilter(QueryDict("search=care&ordering=title"), queryset=selectors.publication_list())

    assert alone.is_valid() and "_form" not in vars(alone)
    assert sorted(p.title for p in alone.qs) == ["Care at home", "Home care costs"]
    assert [p.title for p in with_ordering.qs] == ["Care at home", "Home care costs"] and "_form" in vars(with_ordering)
