"""Worker throughput on Redis and PostgreSQL: paid orders turned into a confirmation email and a
fulfilment request, with a local SMTP server and a local HTTP warehouse as the peers.

    .venv/bin/python bench/worker.py [--orders 300] [--clients 8]

Creates --orders pending orders in BENCH_DATABASE_URL, starts gunicorn and one `celery worker`
(its default pool: one process per core) on BENCH_REDIS_URL, then sends each order's signed
payment_intent.succeeded webhook. Prints orders per second from the first webhook to the last
order with both messages received, and the p50/p99 latency from an order's webhook to both.
With --rate the webhooks are paced, which shows the latency of a worker that is not queueing.
"""

import argparse
import email
import email.policy
import hashlib
import hmac
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    PYTHON,
    SECRETS,
    free_port,
    manage,
    prepare_database,
    production_env,
    start,
    start_gunicorn,
    stop,
    wait_for,
)

STRIPE_SECRET = SECRETS["STRIPE_WEBHOOK_SECRET"]
WAREHOUSE_SECRET = SECRETS["FULFILMENT_SECRET"]
ORDERS = """
from decimal import Decimal
from django.utils import timezone
from datetime import timedelta
from catalogue.models import Publication
from orders.models import DeliveryMethod, Order, OrderLine
seed = Publication.objects.get(isbn="9781909029088")
method = DeliveryMethod.objects.get(code="uk-standard")
numbers = []
for n in range({count}):
    order = Order.objects.create(
        email=f"bench{{n}}@example.org", name="Bench Reader", line1="1 High St", city="Leeds", postcode="LS1 1AA",
        country="GB", delivery_method=method, subtotal=Decimal("17.00"), delivery=Decimal("2.95"), vat=Decimal("0"),
        total=Decimal("19.95"), expires_at=timezone.now() + timedelta(hours=1), payment_intent=f"pi_bench_{{timezone.now().timestamp():.0f}}_{{n}}",
    )
    OrderLine.objects.create(order=order, publication=seed, isbn=seed.isbn, title=seed.title, quantity=2,
                             unit_price=Decimal("8.50"), line_total=Decimal("17.00"), vat_rate=Decimal("0"), vat=Decimal("0"))
    numbers.append([order.number, order.payment_intent])
import json; print(json.dumps(numbers))
"""

received: dict[str, dict[str, float]] = {}
lock = threading.Lock()


def arrived(number: str, kind: str) -> None:
    with lock:
        received.setdefault(number, {}).setdefault(kind, time.perf_counter())


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        subject = email.message_from_bytes(envelope.content, policy=email.policy.default)["Subject"]
        arrived(subject.split()[2], "confirmation")  # "Your order PS-7K4M-9QX2 is confirmed"
        return "250 OK"


class Warehouse(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        arrived(body["order_number"], "fulfilment")
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def signed_event(number: str, intent: str) -> tuple[bytes, dict]:
    body = json.dumps({
        "id": f"evt_{intent}", "object": "event", "type": "payment_intent.succeeded", "created": int(time.time()),
        "data": {"object": {"id": intent, "object": "payment_intent", "status": "succeeded", "amount": 1995,
                            "currency": "gbp", "client_secret": "", "metadata": {"order_number": number}, "latest_charge": ""}},
    }).encode()  # fmt: skip
    timestamp = int(time.time())
    signature = hmac.new(STRIPE_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={signature}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, help="webhooks per second (default: as fast as the clients go)")
    args = parser.parse_args()

    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    warehouse = ThreadingHTTPServer(("127.0.0.1", 0), Warehouse)
    threading.Thread(target=warehouse.serve_forever, daemon=True).start()
    web_port = free_port()
    env = production_env(
        web_port=web_port,
        STRIPE_WEBHOOK_SECRET=STRIPE_SECRET,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        FULFILMENT_BACKEND="http",
        FULFILMENT_URL=f"http://127.0.0.1:{warehouse.server_address[1]}/",
        FULFILMENT_SECRET=WAREHOUSE_SECRET,
        LOG_LEVEL="WARNING",
    )
    prepare_database(env)
    orders = json.loads(manage(env, "shell", "-c", ORDERS.format(count=args.orders), capture=True))
    manage(env, "shell", "-c", "from shop.celery import app; app.control.purge()")

    web = start_gunicorn(env)
    worker = start([PYTHON, "-m", "celery", "-A", "shop", "worker", "--loglevel=WARNING", "--without-mingle", "--without-gossip"], env)
    try:
        wait_for(f"http://127.0.0.1:{web_port}/healthz", web)
        time.sleep(3)  # the worker's processes start
        sent_at: dict[str, float] = {}

        def pay(indexed):
            index, (number, intent) = indexed
            if args.rate:
                time.sleep(max(0.0, started + index / args.rate - time.perf_counter()))
            body, headers = signed_event(number, intent)
            sent_at[number] = time.perf_counter()
            requests.post(f"http://127.0.0.1:{web_port}/api/payments/stripe/webhook/", data=body, headers=headers, timeout=60)

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(pay, enumerate(orders)))
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and sum(len(kinds) == 2 for kinds in received.values()) < len(orders):
            time.sleep(0.05)
        done = [n for n, kinds in received.items() if len(kinds) == 2]
        finished = max(max(received[n].values()) for n in done)
    finally:
        stop(worker, web)
        smtp.stop()
        warehouse.shutdown()

    latencies = sorted((max(received[n].values()) - sent_at[n]) * 1000 for n in done)
    pace = f"{args.rate:g} webhooks/s" if args.rate else "webhooks as fast as they go"
    print(f"\nRedis + PostgreSQL, one celery worker ({os.cpu_count()} processes), local SMTP and HTTP peers, {pace}\n")
    print(f"paid orders turned into confirmation + fulfilment request: {len(done) / (finished - started):.1f} /s "
          f"({len(done)} of {len(orders)})")  # fmt: skip
    print(f"webhook to both sent: p50 {statistics.median(latencies):.0f} ms, p99 {latencies[int(len(latencies) * 0.99) - 1]:.0f} ms")


if __name__ == "__main__":
    main()
