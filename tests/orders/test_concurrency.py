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
from orders.models import Order, OutboxEntry, Receipt, StripeEvent
from tests.factories import PublicationFactory
from tests.payments import order_body, signed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Like a server with this many workers: PostgreSQL here allows 100 connections in all.
SERVER_WORKERS = 40


@pytest.fixture(autouse=True)
def all_buyers_from_one_address_allowed(settings):
    settings.ORDER_RATE = "100000/m"  # every thread here comes from 127.0.0.1, with one email address
    settings.HOLD_MAX_COPIES_PER_BUYER = 100000


def at_once(requests):
    """Each request (given an API client) made by its own thread, all released at once, through
    SERVER_WORKERS database connections at a time; returns what each returned."""
    barrier = threading.Barrier(len(requests))
    workers = threading.BoundedSemaphore(SERVER_WORKERS)
    answers = [None] * len(requests)

    def run(index, request):
        client = APIClient()
        barrier.wait()
        with workers:
            try:
                answers[index] = request(client)
            except Exception as error:  # reported in the caller's assertion
                answers[index] = ("exception", repr(error))
            finally:
                connection.close()

    threads = [threading.Thread(target=run, args=(i, request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def buyers(bodies):
    """Each body posted by its own thread, all at once (at_once); returns the answers."""

    def buy(body):
        def post(client):
            response = client.post("/api/orders/", body, format="json")
            return response.status_code, response.data.get("code") if response.status_code != 201 else None

        return post

    return at_once([buy(body) for body in bodies])


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


def test_one_payment_reported_twenty_times_at_once_pays_the_order_once_with_one_receipt_confirmation_and_request(stripe_emulator):
    """Stripe retries an event it thinks lost, and the shop may hear of one payment twice (the
    webhook and reconciliation): ten deliveries of one event and ten other events, all at once."""
    seed = PublicationFactory(price=Decimal("8.50"), stock=5)
    placed = APIClient().post("/api/orders/", order_body((seed.isbn, 2)), format="json").data
    intent = {
        "id": placed["payment"]["payment_intent"], "object": "payment_intent", "status": "succeeded",
        "amount": int(Decimal(placed["total"]) * 100), "currency": "gbp", "client_secret": "",
        "metadata": {"order_number": placed["number"]}, "latest_charge": "",
    }  # fmt: skip
    deliveries = [signed({"id": f"evt_{'same' if n < 10 else n}", "object": "event", "type": "payment_intent.succeeded",
                          "data": {"object": intent}}) for n in range(20)]  # fmt: skip

    def deliver(body, signature):
        return lambda client: client.post(
            "/api/payments/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        ).status_code

    answers = at_once([deliver(*delivery) for delivery in deliveries])

    order = Order.objects.get(number=placed["number"])
    assert answers == [200] * 20
    assert StripeEvent.objects.filter(payment_intent=intent["id"]).count() == 11  # each event stored once
    assert order.status == "paid" and list(order.status_changes.filter(to_status="paid").values_list("from_status", flat=True)) == ["pending_payment"]
    assert Receipt.objects.filter(order=order).count() == 1
    assert sorted(OutboxEntry.objects.filter(order=order).values_list("kind", flat=True)) == ["confirmation", "fulfilment"]
