"""No overselling and no deadlock, whatever the concurrency: real threads on PostgreSQL."""

import random
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from catalogue.models import Publication
from orders.models import Order
from tests.factories import PublicationFactory
from tests.payments import order_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Like a server with this many workers: PostgreSQL here allows 100 connections in all.
SERVER_WORKERS = 40


@pytest.fixture(autouse=True)
def all_buyers_from_one_address_allowed(settings):
    settings.ORDER_RATE = "100000/m"  # every thread here comes from 127.0.0.1, with one email address
    settings.HOLD_MAX_COPIES_PER_BUYER = 100000


def buyers(bodies):
    """Each body posted by its own thread, all released at once, through SERVER_WORKERS
    database connections at a time; returns the answers."""
    barrier = threading.Barrier(len(bodies))
    workers = threading.BoundedSemaphore(SERVER_WORKERS)
    answers = [None] * len(bodies)

    def buy(index, body):
        client = APIClient()
        barrier.wait()
        with workers:
            try:
                response = client.post("/api/orders/", body, format="json")
                answers[index] = (response.status_code, response.data.get("code") if response.status_code != 201 else None)
            except Exception as error:  # reported in the assertion below
                answers[index] = ("exception", repr(error))
            finally:
                connection.close()

    threads = [threading.Thread(target=buy, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def assert_books_balance(*publications):
    for publication in publications:
        publication.refresh_from_db()
        assert publication.stock >= 0
        assert publication.stock == publication.stock_movements.aggregate(total=Sum("delta"))["total"]
        sold = publication.order_lines.aggregate(total=Sum("quantity"))["total"] or 0
        received = publication.stock_movements.filter(reason="goods_in").aggregate(total=Sum("delta"))["total"]
        assert received - sold == publication.stock


def test_200_buyers_for_50_copies_give_50_orders_and_150_refusals(stripe_emulator):
    scarce = PublicationFactory(price=Decimal("8.50"), stock=50)

    answers = buyers([order_body((scarce.isbn, 1)) for _ in range(200)])

    assert Counter(answers) == {(201, None): 50, (409, "insufficient_stock"): 150}
    scarce.refresh_from_db()
    assert scarce.stock == 0
    assert Order.objects.count() == 50
    assert_books_balance(scarce)


def test_mixed_multi_item_orders_never_deadlock_or_oversell(stripe_emulator):
    publications = [PublicationFactory(price=Decimal("5.00"), stock=30) for _ in range(4)]
    rng = random.Random(7)
    bodies = []
    for _ in range(120):
        chosen = rng.sample(publications, rng.randint(2, 4))
        rng.shuffle(chosen)  # items in every order: the shop must lock them in one order itself
        bodies.append(order_body(*[(p.isbn, rng.randint(1, 3)) for p in chosen]))

    answers = buyers(bodies)

    assert set(answers) <= {(201, None), (409, "insufficient_stock")}, Counter(answers)
    assert Counter(answers)[(201, None)] == Order.objects.count() > 0
    assert_books_balance(*publications)
    assert all(p.stock >= 0 for p in Publication.objects.all())
