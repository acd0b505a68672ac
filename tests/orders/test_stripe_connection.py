"""How the shop reaches Stripe (orders.gateway.Urllib3Client): through the environment's proxy
when one is set, and again after a connection dropped before its answer."""

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from orders.models import Order
from tests.payments import order_body

pytestmark = pytest.mark.django_db


class Relay(ThreadingHTTPServer):
    """Passes each request on to `upstream` and its answer back: as a forward proxy (a request
    for an absolute URL) or in front of Stripe (a path). The first `drop` connections it closes
    without an answer."""

    def __init__(self, upstream: str, drop: int = 0):
        super().__init__(("127.0.0.1", 0), RelayHandler)
        self.upstream, self.drop = upstream, drop
        self.seen: list[str] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RelayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.relay()

    def do_POST(self):
        self.relay()

    def relay(self):
        self.server.seen.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.drop:
            self.server.drop -= 1
            self.close_connection = True
            return
        url = self.path if self.path.startswith("http") else self.server.upstream + self.path
        headers = {name: value for name, value in self.headers.items() if name.lower() not in ("host", "connection", "proxy-connection")}
        request = urllib.request.Request(url, data=body or None, headers=headers, method=self.command)
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            answer = direct.open(request, timeout=10)
        except urllib.error.HTTPError as refusal:  # Stripe's refusals are answers too
            answer = refusal
        with answer:
            content = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers["Content-Type"])
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

    def log_message(self, *args):
        pass


@pytest.fixture
def fresh_stripe_client():
    """The client made afresh for the test, and again after it: it reads the environment's proxy
    when it is made."""
    stripe.default_http_client = None
    yield
    stripe.default_http_client = None


def test_stripe_is_reached_through_the_proxy_the_environment_names(api, stripe_emulator, seed, monkeypatch, fresh_stripe_client):
    proxy = Relay(upstream=stripe_emulator)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        response = api.post("/api/orders/", order_body((seed.isbn, 1)), format="json")
    finally:
        proxy.shutdown()
        proxy.server_close()

    assert response.status_code == 201, response.data
    assert proxy.seen == [f"{stripe_emulator}/v1/payment_intents"]


def test_a_connection_to_stripe_dropped_before_its_answer_is_tried_again(api, stripe_emulator, seed, settings, fresh_stripe_client):
    relay = Relay(upstream=stripe_emulator, drop=1)
    settings.STRIPE_API_BASE = relay.url
    try:
        response = api.post("/api/orders/", order_body((seed.isbn, 1)), format="json")
    finally:
        relay.shutdown()
        relay.server_close()

    assert response.status_code == 201, response.data
    assert relay.seen == ["/v1/payment_intents", "/v1/payment_intents"]
    assert Order.objects.get().payment_intent == response.data["payment"]["payment_intent"]
