"""Real peers for the worker's tests: a local SMTP server (aiosmtpd) and a local HTTP warehouse."""

import email
import email.policy
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from orders import gateway, services
from orders.models import Order
from shop import signing
from tests.payments import free_port, order_body

WAREHOUSE_SECRET = "warehouse-test-secret"


class Mailbox:
    """An SMTP server's inbox; `refuse` makes it answer 451 (try later) that many times."""

    def __init__(self):
        self.messages = []
        self.refuse = 0
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def subjects(self):
        return [message["Subject"] for message in self.messages]


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controller.stop()


class Warehouse(ThreadingHTTPServer):
    """Answers fulfilment requests from a script of status codes (then 200), keeps what it got,
    and, like a real warehouse, accepts an Idempotency-Key once."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), WarehouseHandler)
        self.script: list[int] = []
        self.delay = 0.0
        self.arrived = 0  # requests that reached the handler, finished or not
        self.requests: list[dict] = []
        self.accepted: dict[str, dict] = {}

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/fulfilment"


class WarehouseHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        warehouse = self.server
        warehouse.arrived += 1
        if warehouse.delay:
            threading.Event().wait(warehouse.delay)
        status = warehouse.script.pop(0) if warehouse.script else 200
        record = {"headers": dict(self.headers), "body": json.loads(body), "raw": body, "status": status}
        warehouse.requests.append(record)
        if status == 200:
            warehouse.accepted.setdefault(self.headers["Idempotency-Key"], record)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if status == 200 else b'{"error": "no"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def warehouse(settings):
    server = Warehouse()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.FULFILMENT_BACKEND = "http"
    settings.FULFILMENT_URL = server.url
    settings.FULFILMENT_SECRET = WAREHOUSE_SECRET
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def paid_order(api, stripe_emulator, seed):
    """An order paid by card (the PaymentIntent's success applied as Stripe reports it)."""
    response = api.post("/api/orders/", order_body((seed.isbn, 2)), format="json")
    order = Order.objects.get(number=response.data["number"])
    intent = gateway.Intent(
        id=order.payment_intent, status="succeeded", amount_pence=gateway.to_pence(order.total), currency="gbp",
        client_secret="", order_number=order.number, latest_charge="ch_test", error="",
    )  # fmt: skip
    services.payment_succeeded(intent=intent, source="test")
    order.refresh_from_db()
    assert order.total == Decimal("19.95")
    return order


def signed_dispatch(payload: dict, secret: str = WAREHOUSE_SECRET) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    return body, {signing.HEADER: signing.sign(body, secret)}
