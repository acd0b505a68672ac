"""The catalogue's read serializers write their fields out by hand (catalogue.api); what they
write is what DRF's walk over the declared fields writes, field for field and in its order."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.request import Request

from catalogue import selectors
from catalogue.api import PublicationDetailSerializer, PublicationListSerializer
from tests.factories import CommentFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def publications():
    """Publications as different as the catalogue's: undated, no subtitle, one page, a price of
    whole pounds, none on sale or in stock, topics, comments and an ISBN-10 group of five digits."""
    topics = [TopicFactory(name="Workforce"), TopicFactory(name="Finance")]
    return [
        PublicationFactory(stock=3, topics=topics, key_findings=["One.", "Two.", "Three."], authors=["A. Author", "B. Author"]),
        PublicationFactory(published=None, subtitle="", pages=1, price=Decimal("12"), on_sale=False, key_findings=[], authors=[]),
        PublicationFactory(isbn="9789995301019", price=Decimal("0.5"), published=date(1999, 12, 31)),
    ]


@pytest.mark.parametrize("serializer_class", [PublicationListSerializer, PublicationDetailSerializer])
def test_the_catalogues_read_serializers_write_what_drfs_walk_over_their_fields_writes(rf, publications, serializer_class):
    CommentFactory.create_batch(2, publication=publications[0], status="approved")
    request = Request(rf.get("/api/publications/"))

    for publication in publications:
        row = selectors.publication_for_api(publication.isbn)
        serializer = serializer_class(context={"request": request})

        written = serializer.to_representation(row)

        assert list(written.items()) == list(serializers.ModelSerializer.to_representation(serializer, row).items())
    assert written["price"] == "0.50" and written["published"] == "1999-12-31"
