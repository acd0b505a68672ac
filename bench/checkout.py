"""Checkout throughput on PostgreSQL: the shop's part of placing an order, and Stripe's.

    .venv/bin/python bench/checkout.py [--orders 400] [--clients 16] [--runs 3]

Runs gunicorn (shop/gunicorn.py) on BENCH_DATABASE_URL twice: first with Stripe answered by a
minimal local responder (bench/stripe_peer.py, in its own process: the least Stripe could cost),
then with localstripe behind the same peer, which times every call it passes on. Each run
places --orders orders through POST /api/orders/ from --clients threads (each reserves stock
and creates its PaymentIntent) right after the write floor (/bench/write-floor: one row
inserted in one transaction, the same bodies posted); prints the median run's orders/s, its
ratio to the floor beside the target, p50/p99, and where an order's time went: the shop's
part and Stripe's (as the peer saw it). Then, with localstripe, sends every order's signed
payment_intent.succeeded webhook, 30% of them twice, checks each order was paid exactly once,
and prints the web processes' peak resident memory.
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
import urllib.request
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


def address_of(body: dict) -> str:
    """The buyer's own address, from the number in their email (bench{i}@example.org)."""
    number = int(body["email"].removeprefix("bench").split("@")[0])
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


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
from django.db import connection
from catalogue.models import Publication
from catalogue import services
# Earlier runs' orders gone (with what refers to them): every run places its orders as the
# first did, not among the thousands of lines a title gathers over many runs.
connection.cursor().execute("TRUNCATE orders_order CASCADE")
for p in Publication.objects.filter(on_sale=True):
    if p.stock < 100000:
        services.stock_adjust(publication=p, delta=100000 - p.stock, reason="correction", note="bench")
print(list(Publication.objects.filter(on_sale=True).values_list("isbn", flat=True)))
"""


# The target: placing orders at >= 0.2 x the write floor, Stripe answered locally.
TARGET_RATIO = 0.2


def stripe_time(port: int) -> dict:
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/_bench/time").read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    # Each buyer from an address of their own, as readers are on a launch day: one proxy (the
    # bench) in front, whose X-Forwarded-For the shop takes as the reader's address.
    env = production_env(web_port=0, DJANGO_SETTINGS_MODULE="bench.settings", STRIPE_WEBHOOK_SECRET=SECRET, LOG_LEVEL="WARNING", TRUSTED_PROXIES="1")
    prepare_database(env)
    isbns = json.loads(manage(env, "shell", "-c", STOCK_UP, capture=True).replace("'", '"'))
    manage(env, "shell", "-c", "from django.db import connection; from bench.urls import WRITE_FLOOR_TABLE; connection.cursor().execute(WRITE_FLOOR_TABLE)")
    rng = random.Random(3)
    bodies = [
        {
            "email": f"bench{i}@example.org",
            "delivery": {"name": "Bench Reader", "line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"},
            "delivery_method": "uk-standard",
            "items": [{"isbn": isbn, "quantity": rng.randint(1, 3)} for isbn in rng.sample(isbns, rng.randint(1, 3))],
        }
        for i in range(args.orders * args.runs * 4)  # floor and orders, each run, each way Stripe answers
    ]
    batches = iter(bodies[n : n + args.orders] for n in range(0, len(bodies), args.orders))

    def post_all(url: str, batch: list[dict]) -> tuple[float, list]:
        def post(body):  # a connection each: gunicorn's sync workers close theirs after each answer
            started = time.perf_counter()
            try:
                response = requests.post(url, json=body, headers={"X-Forwarded-For": address_of(body)}, timeout=60)
            except requests.RequestException:  # counted as refused, with its time
                return time.perf_counter() - started, 0, None
            return time.perf_counter() - started, response.status_code, response.json() if response.status_code == 201 and "json" in response.headers.get("Content-Type", "") else None

        with ThreadPoolExecutor(args.clients) as pool:
            started = time.perf_counter()
            done = list(pool.map(post, batch))
        return time.perf_counter() - started, done

    localstripe_port = free_port()
    localstripe = start([PYTHON, "-m", "localstripe", "--port", str(localstripe_port), "--from-scratch"])
    wait_for(f"http://127.0.0.1:{localstripe_port}/js.stripe.com/v3/", localstripe)
    measured: dict[str, list[dict]] = {}
    try:
        for mode, forward in (("Stripe answered locally", []), ("localstripe", ["--forward", f"http://127.0.0.1:{localstripe_port}"])):
            peer_port, web_port = free_port(), free_port()
            peer = start([PYTHON, str(Path(__file__).with_name("stripe_peer.py")), str(peer_port), *forward])
            mode_env = {**env, "STRIPE_API_BASE": f"http://127.0.0.1:{peer_port}", "GUNICORN_BIND": f"127.0.0.1:{web_port}"}
            web = start_gunicorn(mode_env)
            base = f"http://127.0.0.1:{web_port}"
            try:
                wait_for(f"http://127.0.0.1:{peer_port}/_bench/time", peer)
                wait_for(base + "/healthz", web)
                post_all(base + "/bench/write-floor", bodies[: args.clients * 4])  # every worker's connections
                runs = measured[mode] = []
                for _ in range(args.runs):  # interleaved: the floor, then the orders, each run
                    floor_seconds, _ = post_all(base + "/bench/write-floor", next(batches))
                    before = stripe_time(peer_port)
                    seconds, placed = post_all(base + "/api/orders/", next(batches))
                    after = stripe_time(peer_port)
                    runs.append({
                        "floor": args.orders / floor_seconds, "rate": args.orders / seconds, "placed": placed,
                        "latency": sorted(s * 1000 for s, _, _ in placed), "refused": sum(code != 201 for _, code, _ in placed),
                        "stripe_ms": (after["seconds"] - before["seconds"]) * 1000 / args.orders,
                        "stripe_calls": (after["calls"] - before["calls"]) / args.orders,
                    })  # fmt: skip
                if mode == "localstripe":
                    webhooks = deliver_webhooks(base, [data for _, code, data in runs[-1]["placed"] if code == 201], args.clients)
                    largest, total = peak_memory_mb(web.pid)
            finally:
                stop(web, peer)
    finally:
        stop(localstripe)

    print(f"\nPostgreSQL, gunicorn ({os.cpu_count()} cores), {args.clients} clients, {args.orders} orders a run, "
          f"median of {args.runs} runs each after its write floor (a view inserting one row in one transaction)\n")  # fmt: skip
    print(f"{'orders placed':34} {'/s':>7} {'floor /s':>9} {'x floor':>8} {'p50 ms':>7} {'p99 ms':>7}   an order's time: shop + Stripe")
    for mode, runs in measured.items():
        ratios = [run["rate"] / run["floor"] for run in runs]
        run = runs[ratios.index(statistics.median_low(ratios))]
        mean = statistics.fmean(run["latency"])
        target = f"   target >= {TARGET_RATIO} x: {'met' if statistics.median(ratios) >= TARGET_RATIO else 'NOT met'}" if mode != "localstripe" else ""
        print(f"{mode:34} {run['rate']:7.1f} {run['floor']:9.1f} {statistics.median(ratios):8.2f} {statistics.median(run['latency']):7.1f} "
              f"{percentile(run['latency'], 0.99):7.1f}   {mean - run['stripe_ms']:.1f} + {run['stripe_ms']:.1f} ms "
              f"({run['stripe_calls']:.1f} Stripe calls; {run['refused']} refused){target}")  # fmt: skip
    print(f"\nwebhook events (localstripe)   {webhooks}")
    print(f"web peak memory     {largest:.0f} MB per process (largest), {total:.0f} MB all gunicorn processes")


def deliver_webhooks(base: str, orders: list[dict], clients: int) -> str:
    """Every order's signed payment_intent.succeeded, 30% of them twice (a Stripe retry); each
    order must end paid exactly once."""
    rng = random.Random(4)
    events = [(f"evt_bench_{o['number']}", o) for o in orders]
    duplicates = rng.sample(events, int(len(events) * DUPLICATE_SHARE / (1 - DUPLICATE_SHARE)))
    deliveries = events + duplicates
    rng.shuffle(deliveries)

    def deliver(item):
        body, headers = signed_event(*item)
        started = time.perf_counter()
        response = requests.post(base + "/api/payments/stripe/webhook/", data=body, headers=headers, timeout=60)
        return time.perf_counter() - started, response.status_code

    with ThreadPoolExecutor(clients) as pool:
        started = time.perf_counter()
        delivered = list(pool.map(deliver, deliveries))
        seconds = time.perf_counter() - started
    latency = [s * 1000 for s, _ in delivered]
    numbers = [o["number"] for o in orders]
    paid, twice = manage_check(numbers)
    return (f"{len(deliveries) / seconds:.1f} /s, p50 {statistics.median(latency):.1f} ms, p99 {percentile(latency, 0.99):.1f} ms "
            f"({len(deliveries)} sent, {len(duplicates)} duplicates, {sum(code != 200 for _, code in delivered)} errors); "
            f"orders paid {paid} of {len(orders)}, paid twice: {twice}")  # fmt: skip


def manage_check(numbers: list[str]) -> list[str]:
    env = production_env(web_port=0, DJANGO_SETTINGS_MODULE="bench.settings")
    return manage(env, "shell", "-c", (
        "from orders.models import Order, OrderStatusChange; from django.db.models import Count;"
        f"numbers = {numbers!r};"
        "paid = Order.objects.filter(number__in=numbers, status='paid').count();"
        "twice = OrderStatusChange.objects.filter(order__number__in=numbers, to_status='paid').values('order').annotate(n=Count('id')).filter(n__gt=1).count();"
        "print(paid, twice)"
    ), capture=True).split()  # fmt: skip


if __name__ == "__main__":
    main()
