from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from catalogue.models import Comment, Publication
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_demo_catalogue_loads_the_seed_publication_and_a_realistic_range():
    call_command("load_demo_catalogue")

    seed = Publication.objects.get(isbn="9781909029088")
    assert (seed.title, seed.subtitle, seed.pages, seed.price) == (
        "Patient-centred leadership", "Rediscovering our purpose", 52, Decimal("8.50"),
    )  # fmt: skip
    assert seed.isbn_display == "978-1-909029-08-8"
    assert Publication.objects.count() >= 30
    assert Publication.objects.filter(stock=0).exists()
    assert Publication.objects.filter(on_sale=False).exists()
    assert Publication.objects.filter(stock__gt=0, stock__lte=10).count() >= 3


def test_demo_catalogue_invents_nothing_for_the_publishers_real_page():
    call_command("load_demo_catalogue")

    seed = Publication.objects.get(isbn="9781909029088")
    # The page names no authors and gives no date; its text is the publisher's (five findings).
    assert (seed.authors, seed.published, len(seed.key_findings)) == ([], None, 5)
    assert seed.summary.startswith("This report summarises the main findings of the Francis Inquiry")
    assert not seed.comments.exists()


def test_demo_catalogue_removes_the_comments_it_once_made_up_for_the_real_page():
    call_command("load_demo_catalogue")
    seed = Publication.objects.get(isbn="9781909029088")
    made_up = CommentFactory(publication=seed, name="Dr Sarah Okafor", email="dr-sarah-okafor@example.org")
    reader = CommentFactory(publication=seed, name="A Reader", email="reader@example.net")

    call_command("load_demo_catalogue")

    assert list(seed.comments.all()) == [reader]
    assert not Comment.objects.filter(pk=made_up.pk).exists()


def test_demo_catalogue_is_idempotent_and_keeps_stock_equal_to_the_ledger():
    call_command("load_demo_catalogue")
    before = dict(Publication.objects.values_list("isbn", "stock"))

    call_command("load_demo_catalogue")

    assert dict(Publication.objects.values_list("isbn", "stock")) == before
    for publication in Publication.objects.annotate(ledger=Sum("stock_movements__delta")):
        assert publication.stock == (publication.ledger or 0)
