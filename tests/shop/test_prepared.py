"""Querysets compiled once and run with other values (shop.prepared)."""

from datetime import date
from decimal import Decimal

import pytest

from catalogue.models import Publication
from catalogue.selectors import publications_by_ids
from shop.prepared import Prepared
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


def test_a_prepared_query_runs_its_one_compilation_with_each_call_s_values(django_assert_num_queries):
    first, second = PublicationFactory(title="First"), PublicationFactory(title="Second")
    by_isbn = Prepared(lambda isbn: Publication.objects.filter(isbn=isbn), lambda index: "9790000000001")

    with django_assert_num_queries(2):
        found = [list(by_isbn(publication.isbn)) for publication in (first, second)]

    assert [[p.title for p in rows] for rows in found] == [["First"], ["Second"]]
    assert len(by_isbn._compiled) == 1


def test_rows_by_ids_come_in_the_order_asked_for_without_the_missing():
    a, b, c = PublicationFactory(), PublicationFactory(), PublicationFactory()

    assert [p.pk for p in publications_by_ids([c.pk, a.pk, 10**9, b.pk])] == [c.pk, a.pk, b.pk]
    assert [p.pk for p in publications_by_ids([b.pk])] == [b.pk]  # another length: compiled apart


def test_a_value_used_in_several_places_is_put_in_each_and_one_not_used_is_refused():
    PublicationFactory(title="Same", subtitle="Same")
    PublicationFactory(title="Same", subtitle="Other")
    same_twice = Prepared(lambda text: Publication.objects.filter(title=text, subtitle=text), lambda index: "x")
    unused = Prepared(lambda text: Publication.objects.filter(title="Same"), lambda index: "x")

    assert [(p.title, p.subtitle) for p in same_twice("Same")] == [("Same", "Same")]
    with pytest.raises(ValueError, match="each value must be a parameter"):
        unused("Report")


@pytest.mark.postgres
def test_on_postgresql_a_read_made_again_and_again_is_prepared_on_the_server_once(api, settings):
    from django.db import connection

    settings.CATALOGUE_CACHE_SECONDS = 0
    publication = PublicationFactory()
    for _ in range(settings.DATABASE_PREPARE_THRESHOLD + 1):
        assert api.get(f"/api/publications/{publication.isbn}/").status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ['%FROM "catalogue_publication" WHERE%isbn%'])
        prepared = cursor.fetchall()
    assert len(prepared) == 1, prepared


@pytest.mark.postgres
def test_on_postgresql_the_rest_of_the_shop_binds_on_the_client_where_a_statement_takes_any_number_of_values():
    PublicationFactory()

    assert Publication.objects.filter(pk__in=range(1, 70_001)).count() == 1  # server-side binding stops at 65,535


def test_a_prepared_query_gives_the_instances_its_queryset_gives_every_field_converted_and_annotations_beside():
    from catalogue.selectors import _api_detail
    from tests.factories import CommentFactory, TopicFactory

    publication = PublicationFactory(
        price=Decimal("12.30"), published=date(2023, 2, 28), key_findings=["One.", "Two."], authors=["A", "B"],
        topics=[TopicFactory(name="Care"), TopicFactory(name="Data")],
    )  # fmt: skip
    CommentFactory(publication=publication, status="approved")
    by_isbn = Prepared(_api_detail, lambda index: "9790000000001")

    (prepared,), (queried,) = by_isbn(publication.isbn), list(_api_detail(publication.isbn))

    read = [field.attname for field in Publication._meta.concrete_fields if field.attname not in queried.get_deferred_fields()]
    assert prepared.get_deferred_fields() == queried.get_deferred_fields() and "price" in read and "key_findings" in read
    assert [getattr(prepared, name) for name in read] == [getattr(queried, name) for name in read]
    assert [type(getattr(prepared, name)) for name in read] == [type(getattr(queried, name)) for name in read]
    assert prepared.comment_count == queried.comment_count == 1
    assert getattr(prepared, "topic_slugs", None) == getattr(queried, "topic_slugs", None)  # PostgreSQL reads them beside the row


def test_a_prepared_instance_is_one_loaded_from_the_database_that_loads_what_it_did_not_read_when_asked():
    publication = PublicationFactory(summary="What the list does not read.", price=Decimal("9.50"))

    (prepared,) = publications_by_ids([publication.pk])

    assert not prepared._state.adding and prepared._state.db == "default"
    assert "summary" in prepared.get_deferred_fields()
    assert prepared.summary == "What the list does not read."  # loaded now
    prepared.title = "Renamed"
    prepared.save(update_fields=["title"])
    assert Publication.objects.get(pk=publication.pk).title == "Renamed" and Publication.objects.count() == 1


def test_while_something_listens_for_a_models_instances_being_made_a_prepared_read_makes_them_as_django_does():
    from django.db.models.signals import post_init

    made = []

    def listen(sender, instance, **kwargs):
        made.append(instance.pk)

    publications = [PublicationFactory() for _ in range(2)]
    post_init.connect(listen, sender=Publication)
    try:
        publications_by_ids([publication.pk for publication in publications])
    finally:
        post_init.disconnect(listen, sender=Publication)

    assert sorted(made) == sorted(publication.pk for publication in publications)
