"""Stripe in the tests is localstripe, run as a real process; webhooks reach a live server.

Registered for every test folder by tests/conftest.py (pytest_plugins)."""

import hashlib
import hmac
import importlib
import json
import socket
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests
import stripe
from django.db import OperationalError

from orders import gateway
from orders.models import DeliveryMethod
from tests.factories import PublicationFactory

WEBHOOK_SECRET = "whsec_test_print_shop"
# localstripe declines 4000000000000341 when it is charged (as Stripe does); 4000002760003184 needs 3-D Secure.
CARDS = {"visa": "4242424242424242", "declined": "4000000000000341", "3ds": "4000002760003184"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):
    port = free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "localstripe.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{url}/js.stripe.com/v3/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("localstripe did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_emulator(localstripe_url, settings):
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_SECRET_KEY = "sk_test_print_shop"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe_url


def _point_webhooks_at(localstripe: str, url: str) -> None:
    response = requests.post(f"{localstripe}/_config/webhooks/shop", data={"url": url, "secret": WEBHOOK_SECRET}, timeout=5)
    response.raise_for_status()


@pytest.fixture
def stripe_webhooks(stripe_emulator, live_server):
    """localstripe sends its signed events to the shop's webhook endpoint on a live server, for
    this test only: afterwards they go where nothing listens, so that a later test's payments
    (localstripe sends each event a second late) never reach a live server mid-test. Events of
    payments made just before, by tests without webhooks, are let go first: localstripe picks
    the address when it sends, and on SQLite the live server shares the test's connection."""
    time.sleep(1.5)
    _point_webhooks_at(stripe_emulator, f"{live_server.url}/api/payments/stripe/webhook/")
    yield live_server
    _point_webhooks_at(stripe_emulator, "http://127.0.0.1:9/nothing-listens-here")


def payment_method(card: str = "visa") -> str:
    gateway._configure()
    return stripe.PaymentMethod.create(
        type="card", card={"number": CARDS[card], "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    )["id"]


def paid_by_card(number: str, card: str = "visa"):
    """The order with this number, paid with a card at the emulator (so that refunds reach it)."""
    from orders import services
    from orders.models import Order

    order = Order.objects.get(number=number)
    services.order_pay(order=order, payment_method=payment_method(card))
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def signed(payload: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """A webhook body and Stripe-Signature header as Stripe makes them."""
    body = json.dumps(payload).encode()
    timestamp = timestamp or int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"


def wait_for(condition, timeout: float = 15.0, interval: float = 0.1):
    """Until condition() is true. On SQLite the tests' database is in memory, shared between the
    test and the live server's thread through SQLite's shared cache, where a read while the
    other writes fails at once ("database table is locked": the busy timeout is not used for
    those locks); that is "not yet", as it would be a wait on a database file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = condition()
        except OperationalError as error:
            if "database table is locked" not in str(error):
                raise
            result = None
        if result:
            return result
        time.sleep(interval)
    raise AssertionError("timed out waiting")


@pytest.fixture(autouse=True)
def migration_data(request):
    """What data migrations put in a new database: the delivery zones and methods and the Finance
    group (a transactional test's flush removes them)."""
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("django_db_blocker")
    from django.apps import apps

    importlib.import_module("orders.migrations.0002_seed_delivery").seed(apps, None)
    importlib.import_module("orders.migrations.0006_finance_group").create(apps, None)


@pytest.fixture
def seed():
    return PublicationFactory(isbn="9781909029088", title="Patient-centred leadership", price=Decimal("8.50"), stock=50)


@pytest.fixture
def uk_standard():
    return DeliveryMethod.objects.get(code="uk-standard")


def order_body(*items, method="uk-standard", country="GB", email="reader@example.org"):
    return {
        "email": email,
        "delivery": {"name": "A Reader", "line1": "1 High St", "line2": "", "city": "Leeds", "postcode": "LS1 1AA", "country": country},
        "delivery_method": method,
        "items": [{"isbn": isbn, "quantity": quantity} for isbn, quantity in items],
    }
