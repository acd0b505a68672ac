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


@pytest.mark.django_db(transaction=True)  # a WSGI request closes a connection left inside a test's transaction
def test_behind_a_proxy_each_reader_has_their_own_limit_and_cannot_forge_one(settings):
    """Through the WSGI app as gunicorn runs it with TRUSTED_PROXIES=1: the address the proxy saw
    counts, not the proxy's own, nor whatever the client wrote into X-Forwarded-For."""
    from django.core.wsgi import get_wsgi_application
    from werkzeug.middleware.proxy_fix import ProxyFix
    from werkzeug.test import Client as WSGIClient

    settings.STATUS_RATE = "2/m"
    shop = WSGIClient(ProxyFix(get_wsgi_application(), x_for=settings.TRUSTED_PROXIES or 1))

    def status_from(*forwarded):
        environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": ", ".join(forwarded)}
        return shop.get("/orders/PS-AAAA-BBBB/?token=x", environ_overrides=environ).status_code

    # one reader, each time claiming to be someone else: the proxy appended the real address
    assert [status_from(f"192.0.2.{n}", "203.0.113.7") for n in range(3)] == [404, 404, 429]
    assert status_from("198.51.100.9") == 404  # another reader behind the same proxy


def test_with_the_shared_cache_out_of_reach_limits_let_readers_through(client, redis_out_of_reach, settings):
    settings.STATUS_RATE = "1/m"

    codes = [client.get("/orders/PS-AAAA-BBBB/?token=x").status_code for _ in range(3)]

    assert codes == [404, 404, 404]  # not counted, so not refused: the shop stays open


def test_one_address_cannot_spray_the_admin_login_across_usernames(client, settings):
    settings.ADMIN_LOGIN_RATE = "5/10m"
    UserFactory(username="margaret", is_staff=True, is_superuser=True)

    answers = [client.post("/admin/login/", {"username": f"guess{n}", "password": "wrong"}).status_code for n in range(5)]
    sixth = client.post("/admin/login/", {"username": "margaret", "password": "password"})

    assert answers == [200] * 5  # the form again, each a different username
    assert sixth.status_code == 429 and "Retry-After" in sixth
    assert "_auth_user_id" not in client.session
