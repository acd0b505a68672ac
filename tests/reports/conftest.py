"""A small local HTTP peer answering as Stripe does for what localstripe cannot: a payout and the
list of the balance transactions it carried (GET /v1/payouts/{id}, GET /v1/balance_transactions?payout=)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


class StripePayouts(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), StripePayoutsHandler)
        self.payouts: dict[str, dict] = {}
        self.transactions: dict[str, list[dict]] = {}
        self.asked: list[str] = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, payout_id: str, arrival: int, transactions: list[dict]) -> None:
        """A paid payout carrying `transactions` (Stripe-shaped balance transactions, amounts in pence)."""
        amount = sum(txn["net"] for txn in transactions)
        self.payouts[payout_id] = {
            "id": payout_id, "object": "payout", "amount": amount, "currency": "gbp", "arrival_date": arrival,
            "status": "paid", "automatic": True, "balance_transaction": f"txn_{payout_id}",
        }  # fmt: skip
        payout_txn = {"id": f"txn_{payout_id}", "object": "balance_transaction", "type": "payout", "reporting_category": "payout",
                      "amount": -amount, "fee": 0, "net": -amount, "currency": "gbp", "created": arrival, "source": payout_id}  # fmt: skip
        self.transactions[payout_id] = [*transactions, payout_txn]


class StripePayoutsHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        self.server.asked.append(self.path)
        if url.path.startswith("/v1/payouts/"):
            found = self.server.payouts.get(url.path.rsplit("/", 1)[1])
        elif url.path == "/v1/balance_transactions":
            payout = parse_qs(url.query).get("payout", [""])[0]
            data = self.server.transactions.get(payout)
            found = None if data is None else {"object": "list", "url": "/v1/balance_transactions", "has_more": False, "data": data}
        else:
            found = None
        body = json.dumps(found or {"error": {"type": "invalid_request_error", "message": "No such object"}}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stripe_payouts():
    server = StripePayouts()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
