"""Stripe's side of a checkout benchmark, in a process of its own, timing every call it answers.

    python bench/stripe_peer.py PORT                  # answers itself: the least Stripe could cost
    python bench/stripe_peer.py PORT --forward URL    # passes each call on to localstripe at URL

Answering itself, it creates PaymentIntents (POST /v1/payment_intents, the same one again for an
idempotency key it has seen) and returns them (GET /v1/payment_intents/ID); nothing else. Either
way, GET /_bench/time says how many calls it took and the seconds spent between each call's
arrival and its answer: the part of an order's time that is Stripe's. For benchmarks only.
"""

import argparse
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

intents: dict[str, dict] = {}
by_key: dict[str, str] = {}
numbers = itertools.count(1)
RUN = secrets.token_hex(4)  # ids unique across runs: the bench's database keeps earlier orders
lock = threading.Lock()
spent = {"calls": 0, "seconds": 0.0}


class Stripe(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    forward: str | None = None
    # An answer goes out as two writes (headers, then body) on a connection the shop keeps: with
    # Nagle's algorithm the body waited for the shop's delayed ACK of the headers, up to 40 ms a
    # call that this peer's own timer never saw. Stripe's servers add no such wait.
    disable_nagle_algorithm = True

    def do_GET(self):
        if self.path == "/_bench/time":
            return self.answer(200, dict(spent))
        self.timed()

    def do_POST(self):
        if self.path == "/_bench/reset":
            with lock:
                spent.update(calls=0, seconds=0.0)
            return self.answer(200, {})
        self.timed()

    def timed(self):
        arrived = time.perf_counter()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, payload = self.pass_on(body) if self.forward else self.create_or_read(body)
        self.answer(status, payload)
        with lock:
            spent["calls"] += 1
            spent["seconds"] += time.perf_counter() - arrived

    def create_or_read(self, body: bytes) -> tuple[int, dict]:
        if self.command == "GET" and self.path.startswith("/v1/payment_intents/"):
            found = intents.get(self.path.rsplit("/", 1)[1].split("?")[0])
            return (200, found) if found else (404, {"error": {"type": "invalid_request_error", "message": "No such payment_intent"}})
        if self.command == "POST" and self.path == "/v1/payment_intents":
            form = dict(urllib.parse.parse_qsl(body.decode()))
            with lock:
                key = self.headers.get("Idempotency-Key", "")
                if key in by_key:
                    return 200, intents[by_key[key]]
                intent_id = f"pi_bench_{RUN}_{next(numbers)}"
                intents[intent_id] = intent = {
                    "id": intent_id, "object": "payment_intent", "status": "requires_payment_method",
                    "amount": int(form["amount"]), "currency": form["currency"], "client_secret": f"{intent_id}_secret_bench",
                    "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
                    "latest_charge": None, "last_payment_error": None, "payment_method": None,
                }  # fmt: skip
                if key:
                    by_key[key] = intent_id
            return 200, intent
        return 404, {"error": {"type": "invalid_request_error", "message": f"not answered here: {self.command} {self.path}"}}

    def pass_on(self, body: bytes) -> tuple[int, dict]:
        headers = {name: value for name, value in self.headers.items() if name.lower() not in ("host", "content-length")}
        request = urllib.request.Request(self.forward + self.path, data=body or None, headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def answer(self, status: int, payload: dict):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("--forward", help="localstripe's address, to pass each call on to")
    args = parser.parse_args()
    Stripe.forward = args.forward
    ThreadingHTTPServer(("127.0.0.1", args.port), Stripe).serve_forever()


if __name__ == "__main__":
    main()
