from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from catalogue.models import Comment, Publication

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
    assert Comment.objects.filter(status=Comment.Status.APPROVED, publication=seed).count() >= 1


def test_demo_catalogue_is_idempotent_and_keeps_stock_equal_to_the_ledger():
    call_command("load_demo_catalogue")
    before = dict(Publication.objects.values_list("isbn", "stock"))

    call_command("load_demo_catalogue")

    assert dict(Publication.objects.values_list("isbn", "stock")) == before
    for publication in Publication.objects.annotate(ledger=Sum("stock_movements__delta")):
        assert publication.stock == (publication.ledger or 0)
    assert Comment.objects.count() == 2
