"""Structured logs: every line about an order carries its number; no card number, token or
secret reaches a log line."""

import io
import json
import logging

import pytest
from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from orders.models import Order, OutboxEntry
from shop.logs import OrderContext, Redact, redact
from tests.payments import order_body, payment_method, signed
from worker import tasks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "secret, shown",
    [
        ("card 4242 4242 4242 4242 declined", "card [card number] declined"),
        ("card 4000000000000341", "card [card number]"),
        ("key sk_test_51HxYzAbCdEf", "key sk_test_[redacted]"),
        ("signed with whsec_abc123", "signed with whsec_[redacted]"),
        ("secret pi_3Abc_secret_XyZ987", "secret pi_3Abc_secret_[redacted]"),
        ("GET /orders/PS-7K4M-9QX2/?token=Zx81-abc_def", "GET /orders/PS-7K4M-9QX2/?token=[redacted]"),
        ('{"token": "Zx81-abc_def", "payment_method": "pm_1"}', '{"token": "[redacted]", "payment_method": "pm_1"}'),
        ("Authorization: Token 0123456789abcdef0123456789", "Authorization: Token [redacted]"),
    ],
)
def test_secrets_and_card_numbers_are_masked(secret, shown):
    assert redact(secret) == shown


@pytest.mark.parametrize(
    "harmless",
    ["ISBN 9781909029088 restocked", "order PS-7K4M-9QX2 paid £19.95 (1995 pence)", "payment pi_3Abc succeeded", "1234567890123"],
)
def test_isbns_order_numbers_and_ids_are_left_as_they_are(harmless):
    assert redact(harmless) == harmless


def test_the_console_handler_adds_the_order_and_masks_secrets():
    [console] = [handler for handler in logging.getLogger().handlers if handler.name == "console"]

    assert {type(f) for f in console.filters} == {OrderContext, Redact}
    assert console in logging.getLogger("django.server").handlers  # runserver's request lines too


@pytest.fixture
def json_log():
    """The production log handler (settings.LOGGING's filters and JSON formatter) on a buffer."""
    spec = settings.LOGGING["formatters"]["json"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"]))
    handler.addFilter(OrderContext())
    handler.addFilter(Redact())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.fixture
def card(stripe_emulator):
    return payment_method("visa")


def test_every_line_of_an_orders_life_names_it_and_none_shows_a_secret(
    api, seed, smtp_server, warehouse, card, json_log, settings
):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_for_logs"

    placed = api.post("/api/orders/", order_body((seed.isbn, 2)), format="json").data
    order = Order.objects.get(number=placed["number"])
    api.post(f"/api/orders/{order.number}/pay/", {"token": order.token, "payment_method": card}, format="json")
    api.get(f"/orders/{order.number}/", {"token": order.token})
    body, signature = signed(
        {"id": "evt_logs", "type": "payment_intent.succeeded", "data": {"object": {
            "id": order.payment_intent, "object": "payment_intent", "status": "succeeded", "amount": 1995,
            "currency": "gbp", "metadata": {"order_number": order.number}, "latest_charge": ""}}},
        secret=settings.STRIPE_WEBHOOK_SECRET,
    )  # fmt: skip
    api.post("/api/payments/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    api.post("/api/payments/stripe/webhook/", b"{}", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=forged")
    for entry in OutboxEntry.objects.filter(order=order):
        tasks.process_outbox_entry.apply(args=[entry.pk])  # the task as the worker runs it, signals too
    assert set(OutboxEntry.objects.filter(order=order).values_list("status", flat=True)) == {"sent"}

    lines = [line for line in json_log() if not line["logger"].startswith("mail.log")]  # the SMTP peer's own log
    assert len(lines) >= 8 and "stripe" in {line["logger"] for line in lines}, lines
    about_nothing = [line["message"] for line in lines if line["order"] != order.number]
    assert about_nothing == [  # the forged webhook is about no order
        "Rejected a Stripe webhook: No signatures found matching the expected signature for payload",
        "Bad Request: /api/payments/stripe/webhook/",
    ]
    written = json.dumps(lines)
    order.refresh_from_db()
    for secret in [order.token, order.client_secret, settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET, "4242424242424242"]:
        assert secret and secret not in written, secret


def test_the_worker_logs_through_the_shops_handler():
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False


def test_the_access_log_leaves_out_query_strings_and_referers():
    from shop import gunicorn

    assert "%(U)s" in gunicorn.access_log_format
    assert "%(r)s" not in gunicorn.access_log_format and "%(q)s" not in gunicorn.access_log_format
    assert "%(f)s" not in gunicorn.access_log_format


def test_refused_requests_log_no_token_in_any_field(api, seed, stripe_emulator, json_log, settings):
    from django.test import Client

    settings.STATUS_RATE = "1/m"
    order = Order.objects.get(number=api.post("/api/orders/", order_body((seed.isbn, 1)), format="json").data["number"])
    status = f"/api/orders/{order.number}/?token={order.token}"

    assert [api.get(status).status_code for _ in range(2)] == [200, 429]
    csrf_checked = Client(enforce_csrf_checks=True)
    assert csrf_checked.post(f"/orders/{order.number}/?token={order.token}", {"x": "1"}).status_code == 403

    lines = json_log()
    refused = [line for line in lines if line.get("status_code") in (403, 429)]
    assert len(refused) == 2 and all("request" in line for line in refused), lines
    assert {line["request"] for line in refused} == {f"GET /api/orders/{order.number}/", f"POST /orders/{order.number}/"}
    assert order.token not in json.dumps(lines)
