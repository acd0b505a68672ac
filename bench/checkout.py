"""Checkout throughput on PostgreSQL, localstripe included.

    .venv/bin/python bench/checkout.py [--orders 400] [--clients 16]

Starts localstripe and gunicorn (shop/gunicorn.py) on BENCH_DATABASE_URL, then:
1. places --orders orders through POST /api/orders/ from --clients threads: each one reserves
   stock and creates its PaymentIntent at localstripe; prints orders/s and p50/p99 latency;
2. sends every order's signed payment_intent.succeeded webhook, 30% of them twice (a Stripe
   retry), from the same threads; prints events/s and checks each order was paid exactly once;
3. prints the peak resident memory (VmHWM) of the web processes.
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

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

SECRET = SECRETS["STRIPE_WEBHOOK_SECRET"]
DUPLICATE_SHARE = 0.30


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def peak_memory_mb(master_pid: int) -> tuple[float, float]:
    """(largest single web process, all web processes) peak resident set, in MB."""
    pids = [master_pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()]
    peaks = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks), sum(peaks)


def signed_event(event_id: str, order: dict) -> tuple[bytes, dict]:
    body = json.dumps({
        "id": event_id, "object": "event", "type": "payment_intent.succeeded", "created": int(time.time()),
        "data": {"object": {
            "id": order["payment"]["payment_intent"], "object": "payment_intent", "status": "succeeded",
            "amount": round(float(order["total"]) * 100), "currency": "gbp", "client_secret": "",
            "metadata": {"order_number": order["number"]}, "latest_charge": "ch_bench",
        }},
    }).encode()  # fmt: skip
    timestamp = int(time.time())
    signature = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={signature}"}


STOCK_UP = """
from catalogue.models import Publication
from catalogue import services
for p in Publication.objects.filter(on_sale=True):
    if p.stock < 100000:
        services.stock_adjust(publication=p, delta=100000 - p.stock, reason="correction", note="bench")
print(list(Publication.objects.filter(on_sale=True).values_list("isbn", flat=True)))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    stripe_port, web_port = free_port(), free_port()
    env = production_env(
        web_port=web_port, STRIPE_API_BASE=f"http://127.0.0.1:{stripe_port}", STRIPE_WEBHOOK_SECRET=SECRET, LOG_LEVEL="WARNING"
    )
    prepare_database(env)
    isbns = json.loads(manage(env, "shell", "-c", STOCK_UP, capture=True).replace("'", '"'))

    stripe = start([PYTHON, "-m", "localstripe", "--port", str(stripe_port), "--from-scratch"])
    web = start_gunicorn(env)
    base = f"http://127.0.0.1:{web_port}"
    try:
        wait_for(f"http://127.0.0.1:{stripe_port}/js.stripe.com/v3/", stripe)
        wait_for(base + "/healthz", web)
        rng = random.Random(3)
        bodies = [
            {
                "email": f"bench{i}@example.org",
                "delivery": {"name": "Bench Reader", "line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"},
                "delivery_method": "uk-standard",
                "items": [{"isbn": isbn, "quantity": rng.randint(1, 3)} for isbn in rng.sample(isbns, rng.randint(1, 3))],
            }
            for i in range(args.orders)
        ]

        def place(body):
            started = time.perf_counter()
            response = requests.post(base + "/api/orders/", json=body, timeout=60)
            return time.perf_counter() - started, response.status_code, response.json()

        with ThreadPoolExecutor(args.clients) as pool:
            started = time.perf_counter()
            placed = list(pool.map(place, bodies))
            placing_seconds = time.perf_counter() - started
        orders = [data for _, code, data in placed if code == 201]
        place_latency = [seconds * 1000 for seconds, _, _ in placed]

        events = [(f"evt_bench_{o['number']}", o) for o in orders]
        duplicates = rng.sample(events, int(len(events) * DUPLICATE_SHARE / (1 - DUPLICATE_SHARE)))
        deliveries = events + duplicates
        rng.shuffle(deliveries)

        def deliver(item):
            body, headers = signed_event(*item)
            started = time.perf_counter()
            response = requests.post(base + "/api/payments/stripe/webhook/", data=body, headers=headers, timeout=60)
            return time.perf_counter() - started, response.status_code

        with ThreadPoolExecutor(args.clients) as pool:
            started = time.perf_counter()
            delivered = list(pool.map(deliver, deliveries))
            webhook_seconds = time.perf_counter() - started
        webhook_latency = [seconds * 1000 for seconds, _ in delivered]
        largest, total = peak_memory_mb(web.pid)

        check = manage(env, "shell", "-c", (
            "from orders.models import Order, OrderStatusChange; from django.db.models import Count;"
            f"numbers = {[o['number'] for o in orders]!r};"
            "paid = Order.objects.filter(number__in=numbers, status='paid').count();"
            "twice = OrderStatusChange.objects.filter(order__number__in=numbers, to_status='paid').values('order').annotate(n=Count('id')).filter(n__gt=1).count();"
            "print(paid, twice)"
        ), capture=True).split()  # fmt: skip
    finally:
        stop(web, stripe)

    refused = len(placed) - len(orders)
    print(f"\nPostgreSQL, gunicorn ({os.cpu_count()} cores), localstripe, {args.clients} clients\n")
    print(f"orders placed       {len(orders) / placing_seconds:8.1f} /s   p50 {statistics.median(place_latency):6.1f} ms"
          f"   p99 {percentile(place_latency, 0.99):6.1f} ms   ({len(orders)} placed, {refused} refused)")  # fmt: skip
    print(f"webhook events      {len(deliveries) / webhook_seconds:8.1f} /s   p50 {statistics.median(webhook_latency):6.1f} ms"
          f"   p99 {percentile(webhook_latency, 0.99):6.1f} ms   ({len(deliveries)} sent, {len(duplicates)} duplicates,"
          f" {sum(code != 200 for _, code in delivered)} errors)")  # fmt: skip
    print(f"orders paid         {check[0]} of {len(orders)}; paid twice: {check[1]}")
    print(f"web peak memory     {largest:.0f} MB per process (largest), {total:.0f} MB all gunicorn processes")


if __name__ == "__main__":
    main()
