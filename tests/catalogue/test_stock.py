"""The stock ledger: the figure equals the ledger's sum and never goes below zero."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from catalogue import services
from catalogue.errors import InsufficientStock
from catalogue.models import Publication, StockMovement
from tests.factories import PublicationFactory, StaffFactory

pytestmark = pytest.mark.django_db


def ledger_sum(publication) -> int:
    return publication.stock_movements.aggregate(total=Sum("delta"))["total"] or 0


def test_stock_adjust_records_a_ledger_row_with_who_and_the_balance():
    publication = PublicationFactory(stock=10)
    clerk = StaffFactory()

    movement = services.stock_adjust(
        publication=publication, delta=-3, reason=StockMovement.Reason.DAMAGED, by=clerk, note="Water damage"
    )

    publication.refresh_from_db()
    assert publication.stock == 7
    assert (movement.delta, movement.reason, movement.created_by, movement.stock_after) == (-3, "damaged", clerk, 7)
    assert ledger_sum(publication) == 7


def test_stock_adjust_refuses_to_go_below_zero_and_changes_nothing():
    publication = PublicationFactory(stock=2)

    with pytest.raises(InsufficientStock) as error:
        services.stock_adjust(publication=publication, delta=-3, reason=StockMovement.Reason.DAMAGED)

    assert error.value.details == {"isbn": publication.isbn, "available": 2, "requested": 3}
    publication.refresh_from_db()
    assert publication.stock == 2
    assert publication.stock_movements.count() == 1


@pytest.mark.parametrize(
    "reason, delta",
    [("goods_in", -5), ("damaged", 5), ("return", -1), ("sale", 2), ("correction", 0), ("nonsense", 1)],
)
def test_stock_adjust_refuses_a_delta_against_its_reason(reason, delta):
    publication = PublicationFactory(stock=10)

    with pytest.raises(ValidationError):
        services.stock_adjust(publication=publication, delta=delta, reason=reason)

    assert ledger_sum(publication) == 10


def test_stock_never_goes_above_the_most_a_publication_can_hold_and_nothing_changes():
    publication = PublicationFactory(stock=StockMovement.MAX_STOCK - 5)

    with pytest.raises(ValidationError, match="no more than 1,000,000 copies"):
        services.stock_adjust(publication=publication, delta=6, reason=StockMovement.Reason.GOODS_IN)
    with pytest.raises(ValidationError, match="at most 1,000,000 copies"):
        services.stock_adjust(publication=publication, delta=2**31 - 1, reason=StockMovement.Reason.GOODS_IN)

    publication.refresh_from_db()
    assert publication.stock == ledger_sum(publication) == StockMovement.MAX_STOCK - 5


def test_the_stock_api_answers_an_enormous_delta_with_a_400_naming_it(api, settings):
    publication = PublicationFactory(stock=3)
    api.force_authenticate(StaffFactory(permissions=["catalogue.add_stockmovement"]))

    response = api.post(f"/api/publications/{publication.isbn}/stock/", {"delta": 2**31 - 1, "reason": "return"}, format="json")

    assert response.status_code == 400 and "delta" in response.data


def test_saving_a_stale_publication_does_not_overwrite_stock():
    publication = PublicationFactory(stock=10)
    stale = Publication.objects.get(pk=publication.pk)
    services.stock_adjust(publication=publication, delta=-4, reason=StockMovement.Reason.DAMAGED)

    stale.title = "A new title"
    services.publication_save(publication=stale)

    stale.refresh_from_db()
    assert (stale.title, stale.stock) == ("A new title", 6)


def test_a_new_publication_cannot_be_created_with_stock_outside_the_ledger():
    publication = PublicationFactory.build()
    publication.stock = 5

    with pytest.raises(ValueError):
        publication.save()


def test_publication_save_records_each_price_change_with_who():
    manager = StaffFactory()
    publication = PublicationFactory(price=Decimal("8.50"))

    publication.price = Decimal("9.25")
    services.publication_save(publication=publication, by=manager)
    publication.title = "Retitled"
    services.publication_save(publication=publication, by=manager)

    history = list(publication.price_changes.values_list("old_price", "new_price", "changed_by"))
    assert history == [(Decimal("8.50"), Decimal("9.25"), manager.pk), (None, Decimal("8.50"), None)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_decrements_never_oversell_and_match_the_ledger():
    publication = PublicationFactory(stock=25)
    threads, barrier = 12, threading.Barrier(12)
    sold, refused, errors = [], [], []

    def buyer():
        barrier.wait()
        try:
            for _ in range(4):
                try:
                    services.stock_adjust(publication=publication, delta=-1, reason=StockMovement.Reason.SALE)
                    sold.append(1)
                except InsufficientStock:
                    refused.append(1)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=buyer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    publication.refresh_from_db()
    assert errors == []
    assert (len(sold), len(refused)) == (25, 12 * 4 - 25)
    assert publication.stock == 0
    assert ledger_sum(publication) == 0
    assert list(publication.stock_movements.filter(reason="sale").values_list("stock_after", flat=True).order_by("stock_after")) == list(range(25))
