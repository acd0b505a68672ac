"""POST /api/orders/: stock reserved with the order, prices from the server, a PaymentIntent at Stripe."""

import socket
import time
from decimal import Decimal

import pytest
import requests
import stripe
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import services as catalogue_services
from orders.models import Order
from tests.factories import PublicationFactory
from tests.payments import order_body

pytestmark = pytest.mark.django_db


def place(api, body, **headers):
    return api.post("/api/orders/", body, format="json", **headers)


def test_placing_an_order_reserves_stock_and_creates_a_payment_intent(api, stripe_emulator, seed):
    response = place(api, order_body(("978-1-909029-08-8", 2)))

    assert response.status_code == 201, response.data
    data = response.data
    assert data["status"] == "pending_payment"
    assert data["lines"] == [
        {"isbn": "9781909029088", "title": "Patient-centred leadership", "quantity": 2, "unit_price": "8.50", "line_total": "17.00"}
    ]
    assert (data["subtotal"], data["delivery"], data["vat"], data["total"], data["currency"]) == ("17.00", "2.95", "0.00", "19.95", "GBP")
    assert data["payment"]["client_secret"].startswith(data["payment"]["payment_intent"] + "_secret_")
    assert data["status_url"].endswith(f"/orders/{data['number']}/?token={Order.objects.get().token}")
    seed.refresh_from_db()
    assert seed.stock == 48
    sale = seed.stock_movements.first()
    assert (sale.delta, sale.reason, sale.order_number) == (-2, "sale", data["number"])
    intent = stripe.PaymentIntent.retrieve(data["payment"]["payment_intent"])
    assert (intent["amount"], intent["currency"], intent["metadata"]["order_number"]) == (1995, "gbp", data["number"])


def test_uk_standard_delivery_is_free_over_25_pounds(api, stripe_emulator, seed):
    data = place(api, order_body((seed.isbn, 3))).data

    assert (data["subtotal"], data["delivery"], data["total"]) == ("25.50", "0.00", "25.50")


def test_a_team_order_of_many_copies_and_titles_in_europe_is_a_bulk_order(api, stripe_emulator, seed):
    other = PublicationFactory(price=Decimal("12.00"), stock=100)

    data = place(api, {**order_body((seed.isbn, 40), (other.isbn, 10), method="europe-standard", country="FR"), "bulk": True}).data

    assert (data["subtotal"], data["delivery"], data["total"]) == ("460.00", "7.50", "467.50")
    assert [line["quantity"] for line in data["lines"]] == [40, 10]
    assert data["reserved"] is False  # a bulk order's copies are reserved when it is paid


def test_vat_is_worked_out_from_each_publications_rate(api, stripe_emulator):
    ebook_bundle = PublicationFactory(price=Decimal("12.00"), vat_rate=Decimal("0.2"), stock=5)

    data = place(api, order_body((ebook_bundle.isbn, 1))).data

    assert (data["vat"], data["total"]) == ("2.00", "14.95")


def test_the_order_keeps_its_prices_when_the_price_changes(api, stripe_emulator, seed):
    number = place(api, order_body((seed.isbn, 1))).data["number"]

    seed.price = Decimal("11.00")
    catalogue_services.publication_save(publication=seed)

    order = Order.objects.get(number=number)
    assert (order.lines.get().unit_price, order.total) == (Decimal("8.50"), Decimal("11.45"))


def test_not_enough_stock_is_a_409_naming_the_isbn_and_reserves_nothing(api, stripe_emulator, seed):
    scarce = PublicationFactory(stock=3)

    response = place(api, order_body((seed.isbn, 2), (scarce.isbn, 5)))

    assert response.status_code == 409
    assert (response.data["code"], response.data["isbn"], response.data["available"]) == ("insufficient_stock", scarce.isbn, 3)
    seed.refresh_from_db()
    scarce.refresh_from_db()
    assert (seed.stock, scarce.stock, Order.objects.count()) == (50, 3, 0)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: b.update(email="not-an-email"), "email"),
        (lambda b: b.pop("email"), "email"),
        (lambda b: b["delivery"].update(country="XX"), "delivery"),
        (lambda b: b["delivery"].update(postcode=""), "delivery"),
        (lambda b: b["delivery"].pop("line1"), "delivery"),
        (lambda b: b.update(delivery_method="pigeon"), "delivery_method"),
        (lambda b: b.update(delivery_method="europe-standard"), "delivery_method"),
        (lambda b: b.update(items=[]), "items"),
        (lambda b: b.update(items=[{"isbn": "9781909029088", "quantity": 0}]), "items"),
        (lambda b: b.update(items=[{"isbn": "9781909029088", "quantity": 100}]), "items"),
        (lambda b: b.update(items=[{"isbn": "9781909029089", "quantity": 1}]), "items"),
        (lambda b: b.update(items=[{"isbn": "9781909029095", "quantity": 1}]), "items"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_reserves_nothing(api, stripe_emulator, seed, change, field):
    body = order_body((seed.isbn, 1))
    change(body)

    response = place(api, body)

    assert response.status_code == 400
    assert field in response.data
    seed.refresh_from_db()
    assert (seed.stock, Order.objects.count()) == (50, 0)


def test_a_publication_not_on_sale_is_a_400(api, stripe_emulator):
    withdrawn = PublicationFactory(on_sale=False, stock=10)

    response = place(api, order_body((withdrawn.isbn, 1)))

    assert response.status_code == 400
    assert "not on sale" in str(response.data["items"])


def test_the_same_idempotency_key_twice_gives_one_order(api, stripe_emulator, seed):
    first = place(api, order_body((seed.isbn, 2)), HTTP_IDEMPOTENCY_KEY="basket-42")
    second = place(api, order_body((seed.isbn, 2)), HTTP_IDEMPOTENCY_KEY="basket-42")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.data["number"] == second.data["number"]
    assert first.data["payment"]["payment_intent"] == second.data["payment"]["payment_intent"]
    seed.refresh_from_db()
    assert (seed.stock, Order.objects.count()) == (48, 1)


def test_a_retry_after_a_crash_before_the_payment_intent_completes_the_order(api, stripe_emulator, seed):
    first = place(api, order_body((seed.isbn, 2)), HTTP_IDEMPOTENCY_KEY="basket-44")
    # As if the process had died after committing the order, before saving its PaymentIntent.
    Order.objects.filter(number=first.data["number"]).update(payment_intent="", client_secret="")

    retried = place(api, order_body((seed.isbn, 2)), HTTP_IDEMPOTENCY_KEY="basket-44")

    assert retried.status_code == 201
    assert retried.data["number"] == first.data["number"]
    # Stripe returns the first PaymentIntent for the same idempotency key; localstripe makes
    # another. Either way the order has a payable one, for its amount.
    intent = stripe.PaymentIntent.retrieve(retried.data["payment"]["payment_intent"])
    assert (intent["amount"], intent["metadata"]["order_number"]) == (1995, first.data["number"])
    assert Order.objects.get().payment_intent == intent["id"]
    seed.refresh_from_db()
    assert seed.stock == 48


def test_an_idempotency_key_reused_for_another_order_is_a_409(api, stripe_emulator, seed):
    place(api, order_body((seed.isbn, 2)), HTTP_IDEMPOTENCY_KEY="basket-43")

    response = place(api, order_body((seed.isbn, 5)), HTTP_IDEMPOTENCY_KEY="basket-43")

    assert (response.status_code, response.data["code"]) == (409, "idempotency_key_reused")
    seed.refresh_from_db()
    assert seed.stock == 48


def test_stripe_down_at_checkout_is_a_503_and_returns_the_stock(api, settings, seed):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    response = place(api, order_body((seed.isbn, 2)))

    assert (response.status_code, response.data["code"]) == (503, "payment_unavailable")
    seed.refresh_from_db()
    assert seed.stock == 50
    order = Order.objects.get()
    assert order.status == "cancelled"
    assert list(order.status_changes.values_list("to_status", flat=True)) == ["pending_payment", "cancelled"]


def test_an_order_of_three_titles_takes_as_many_statements_as_an_order_of_one(api, stripe_emulator, seed):
    """Holds, stock and ledger are read and written for all lines at once: a longer order does
    not hold its titles' locks for more round trips."""
    titles = [PublicationFactory(stock=100) for _ in range(3)]
    place(api, order_body((seed.isbn, 1)))  # a first order: what is read once per process is read

    def statements(*items):
        with CaptureQueriesContext(connection) as captured:
            assert place(api, order_body(*items)).status_code == 201
        return [query["sql"] for query in captured.captured_queries]

    one = statements((titles[0].isbn, 1))
    three = statements(*((title.isbn, 2) for title in titles))

    assert len(three) == len(one), "\n".join(three)
    # The method, titles and zones; a transaction's two ends (savepoints here) and, under the
    # lock, titles (read once: the stock is written from what was read), holds, order, stock (2),
    # lines, history; then, in a transaction of their own, the PaymentIntent's row and the
    # order's. No read back.
    assert len(one) == 16, "\n".join(one)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_placing_an_order_commits_twice_the_order_then_its_payment_intent(api, stripe_emulator, seed):
    """Each commit waits for the disk: the PaymentIntent's row and the order's note of it are
    committed together, and no statement commits on its own."""
    place(api, order_body((seed.isbn, 1)))  # a first order: what is read once per process is read

    with CaptureQueriesContext(connection) as captured:
        assert place(api, order_body((seed.isbn, 1))).status_code == 201

    transactions, alone, open_ = 0, [], False
    for sql in (query["sql"] for query in captured.captured_queries):
        if sql in ("BEGIN", "COMMIT"):
            open_ = sql == "BEGIN"
            transactions += sql == "COMMIT"
        elif not open_ and not sql.startswith("SELECT"):
            alone.append(sql)
    assert (transactions, alone) == (2, [])


def test_a_new_order_is_answered_as_its_status_link_shows_it(api, stripe_emulator, seed):
    other = PublicationFactory(price=Decimal("12.00"), vat_rate=Decimal("0.2"), stock=5)

    placed = place(api, order_body((seed.isbn, 2), (other.isbn, 1))).data
    token = placed["status_url"].split("token=")[1]

    assert placed == api.get(f"/api/orders/{placed['number']}/", {"token": token}).data


def test_the_status_link_shows_the_order_only_with_its_token(api, stripe_emulator, seed):
    first = place(api, order_body((seed.isbn, 1))).data
    second = place(api, order_body((seed.isbn, 1))).data
    token = first["status_url"].split("token=")[1]
    other_token = second["status_url"].split("token=")[1]

    assert api.get(f"/api/orders/{first['number']}/", {"token": token}).data["status"] == "pending_payment"
    assert api.get(f"/api/orders/{first['number']}/").status_code == 404
    assert api.get(f"/api/orders/{first['number']}/", {"token": other_token}).status_code == 404
    assert api.get("/api/orders/PS-AAAA-AAAA/", {"token": token}).status_code == 404


def test_localstripe_serves_stripe_js(stripe_emulator):
    assert "confirmCardPayment" in requests.get(f"{stripe_emulator}/js.stripe.com/v3/", timeout=5).text


def test_stripe_too_slow_at_checkout_is_a_503_and_returns_the_stock(api, settings, seed):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections, never answers
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{silent.getsockname()[1]}"
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    try:
        response = place(api, order_body((seed.isbn, 2)))
    finally:
        silent.close()

    assert (response.status_code, response.data["code"]) == (503, "payment_unavailable")
    assert time.monotonic() - started < 5
    seed.refresh_from_db()
    assert (seed.stock, Order.objects.get().status) == (50, "cancelled")
