"""Abuse limits: per-address rates on ordering, paying and the status page (429 with
Retry-After), a cap on request bodies, and the admin login locked after repeated failures."""

import json

import pytest

from orders.models import Order
from tests.factories import UserFactory
from tests.payments import order_body

pytestmark = pytest.mark.django_db


def place(api, seed):
    return api.post("/api/orders/", order_body((seed.isbn, 1)), format="json")


def test_placing_orders_is_limited_per_address_with_retry_after(api, stripe_emulator, seed, settings):
    settings.ORDER_RATE = "2/m"

    answers = [place(api, seed) for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert (answers[2]["Retry-After"], answers[2].data["code"]) == ("60", "rate_limited")
    seed.refresh_from_db()
    assert (seed.stock, Order.objects.count()) == (48, 2)


def test_the_checkout_page_shares_the_api_s_order_limit(client, api, stripe_emulator, seed, settings):
    settings.ORDER_RATE = "1/m"
    place(api, seed)
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})

    response = client.post("/checkout/", {
        "email": "reader@example.org", "name": "A Reader", "line1": "1 High St", "city": "Leeds",
        "postcode": "LS1 1AA", "country": "GB", "delivery_method": "uk-standard",
    })  # fmt: skip

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Please wait a moment" in response.text
    assert Order.objects.count() == 1


def test_payment_attempts_are_limited(api, stripe_emulator, seed, settings):
    settings.PAY_RATE = "1/m"
    order = Order.objects.get(number=place(api, seed).data["number"])
    attempt = {"token": order.token, "payment_method": "pm_card_visa"}

    first = api.post(f"/api/orders/{order.number}/pay/", attempt, format="json")
    second = api.post(f"/api/orders/{order.number}/pay/", attempt, format="json")

    assert first.status_code != 429
    assert (second.status_code, second["Retry-After"]) == (429, "60")


def test_the_status_page_and_api_are_limited(client, api, stripe_emulator, seed, settings):
    settings.STATUS_RATE = "2/m"
    order = Order.objects.get(number=place(api, seed).data["number"])

    codes = [client.get(f"/orders/{order.number}/?token={order.token}").status_code for _ in range(2)]
    codes.append(api.get(f"/api/orders/{order.number}/", {"token": order.token}).status_code)

    assert codes == [200, 200, 429]


def test_a_request_body_over_the_limit_is_a_413_and_changes_nothing(api, seed, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = order_body((seed.isbn, 1))
    body["delivery"]["line2"] = "x" * 20_000

    response = api.post("/api/orders/", json.dumps(body), content_type="application/json")

    assert (response.status_code, response.data["code"]) == (413, "request_too_large")
    assert Order.objects.count() == 0


def test_the_admin_login_locks_after_repeated_failures(client, settings):
    UserFactory(username="margaret", is_staff=True, is_superuser=True)
    settings.AXES_FAILURE_LIMIT = 3

    failures = [client.post("/admin/login/", {"username": "margaret", "password": "wrong"}).status_code for _ in range(3)]
    locked = client.post("/admin/login/", {"username": "margaret", "password": "password"})

    assert failures[:2] == [200, 200]  # the form again, with its error
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still not signed in
