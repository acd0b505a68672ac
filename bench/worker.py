"""Worker throughput on Redis and PostgreSQL: paid orders turned into a confirmation email and a
fulfilment request, with a local SMTP server and a local HTTP warehouse as the peers.

    .venv/bin/python bench/worker.py [--orders 3000] [--clients 8] [--rate 50]

Creates --orders pending orders in BENCH_DATABASE_URL, starts gunicorn and one `celery worker`
(its default pool: one process per core) on BENCH_REDIS_URL and the peers in a process of their
own (bench/peers.py), then sends each order's signed payment_intent.succeeded webhook. Prints
orders per second from the first webhook to the last order with both messages received, the
p50/p99 latency from an order's webhook to both, and the CPU the shop's processes (web and
worker), PostgreSQL and Redis spent per paid order, each beside its target. With --rate the
webhooks are paced, which shows the latency of a worker that is not queueing.

It also prints what the target leaves: at TARGET_RATE orders a second, this machine's cores
have (cores x 1000 / TARGET_RATE) ms of CPU for each paid order, for everything that runs for it
here (the shop, PostgreSQL, Redis, the peers and this script's clients, which the last line
accounts for), and what a receipt's PDF alone costs (the last receipts drawn again in one
process): work the worker cannot do without, since the confirmation carries it. With
--no-worker only the webhooks are sent and no worker runs: what the web part of a paid order
costs on its own, with the machine to itself.
"""

import argparse
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import threading
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
    peers_env,
    prepare_database,
    start,
    start_gunicorn,
    stop,
    wait_for,
)

# The targets: a launch day's burst, and the latency of a worker that keeps up.
TARGET_RATE, PACED_RATE, TARGET_P99_MS = 100, 50, 1000
STRIPE_SECRET = SECRETS["STRIPE_WEBHOOK_SECRET"]
ORDERS = """
from decimal import Decimal
from django.utils import timezone
from datetime import timedelta
from django.db.models import F
from catalogue.models import Publication
from orders.models import DeliveryMethod, Order, OrderLine, Payment
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
    Payment.objects.create(order=order, attempt=1, payment_intent=order.payment_intent)
    numbers.append([order.number, order.payment_intent])
Publication.objects.filter(pk=seed.pk).update(held=F("held") + 2 * {count})  # as placing them would have
import json; print(json.dumps(numbers))
"""

# The receipts' PDFs alone, drawn again in one process after the run: the part of a paid order's
# CPU that the confirmation cannot do without (it carries the receipt).
RECEIPT_PDFS_TIMED, RECEIPT_PDFS_WARM_UP = 500, 20
RECEIPT_PDFS = """
import time
from orders import pdf
from orders.models import Receipt
receipts = list(Receipt.objects.select_related("order__delivery_method").prefetch_related("order__lines").order_by("-pk")[:{count}])
for receipt in receipts[:{warm_up}]: pdf.receipt_pdf(receipt)
timed = receipts[{warm_up}:]
started = time.process_time()
for receipt in timed: pdf.receipt_pdf(receipt)
print((time.process_time() - started) / max(1, len(timed)) * 1000, len(timed))
"""

received: dict[str, dict[str, float]] = {}


def listen(peers) -> None:
    """What the peers' process says arrived, as it arrives."""
    for line in peers.stdout:
        kind, number, at = line.split()
        received.setdefault(number, {}).setdefault(kind, float(at))


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes and every process they started (/proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, pending = 0.0, list(pids)
    while pending:
        pid = pending.pop()
        if pid in stats:
            total += (int(stats[pid][11]) + int(stats[pid][12])) / ticks
            pending.extend(children.get(pid, []))
    return total


def pids_named(name: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and open(f"/proc/{entry}/comm").read().strip() == name:
                found.append(int(entry))
        except OSError:
            pass
    return found


def signed_event(number: str, intent: str, secret: str = STRIPE_SECRET) -> tuple[bytes, dict]:
    body = json.dumps({
        "id": f"evt_{intent}", "object": "event", "type": "payment_intent.succeeded", "created": int(time.time()),
        "data": {"object": {"id": intent, "object": "payment_intent", "status": "succeeded", "amount": 1995,
                            "currency": "gbp", "client_secret": "", "metadata": {"order_number": number}, "latest_charge": ""}},
    }).encode()  # fmt: skip
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={signature}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, help="webhooks per second (default: as fast as the clients go)")
    parser.add_argument("--no-worker", action="store_true", help="only the webhooks: no worker runs, nothing is sent")
    args = parser.parse_args()

    peers = start_peers()
    smtp_port, warehouse_port = peers.stdout.readline().split()[1:]
    threading.Thread(target=listen, args=(peers,), daemon=True).start()
    web_port = free_port()
    env = peers_env(web_port, smtp_port, warehouse_port)
    prepare_database(env)
    orders = json.loads(manage(env, "shell", "-c", ORDERS.format(count=args.orders), capture=True))
    manage(env, "shell", "-c", "from shop.celery import app; app.control.purge()")

    web = start_gunicorn(env)
    worker = None if args.no_worker else start(
        [PYTHON, "-m", "celery", "-A", "shop", "worker", "--loglevel=WARNING", "--without-mingle", "--without-gossip"], env
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{web_port}/healthz", web)
        if worker:
            time.sleep(3)  # the worker's processes start
        sent_at: dict[str, float] = {}

        def pay(indexed):
            index, (number, intent) = indexed
            if args.rate:
                time.sleep(max(0.0, started + index / args.rate - time.time()))
            body, headers = signed_event(number, intent)
            sent_at[number] = time.time()
            answer = requests.post(f"http://127.0.0.1:{web_port}/api/payments/stripe/webhook/", data=body, headers=headers, timeout=60)
            answer.raise_for_status()

        groups = {
            "web": [web.pid], "worker": [worker.pid] if worker else [], "PostgreSQL": pids_named("postgres"),
            "Redis": pids_named("redis-server"), "peers": [peers.pid],
        }  # fmt: skip
        cpu_before = {name: cpu_seconds(pids) for name, pids in groups.items()} | {"clients": own_cpu_seconds()}
        started = time.time()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(pay, enumerate(orders)))
        if args.no_worker:
            done, finished = [number for number, _ in orders], time.time()
        else:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and sum(len(kinds) == 2 for kinds in list(received.values())) < len(orders):  # the listener adds
                time.sleep(0.05)
            done = [n for n, kinds in list(received.items()) if len(kinds) == 2]
            finished = max(max(received[n].values()) for n in done)
        cpu = {name: cpu_seconds(pids) for name, pids in groups.items()} | {"clients": own_cpu_seconds()}
        cpu = {name: spent - cpu_before[name] for name, spent in cpu.items()}
    finally:
        stop(*([worker] if worker else []), web)
        peers.stdin.close()
        peers.wait(timeout=10)

    if args.no_worker:
        print_webhooks_only(args, len(done) / (finished - started), {name: spent / len(done) * 1000 for name, spent in cpu.items()})
        return

    latencies = sorted((max(received[n].values()) - sent_at[n]) * 1000 for n in done)
    rate, p99 = len(done) / (finished - started), latencies[int(len(latencies) * 0.99) - 1]
    pace = f"{args.rate:g} webhooks/s" if args.rate else "webhooks as fast as they go"
    print(f"\nRedis + PostgreSQL, one celery worker ({os.cpu_count()} processes), SMTP and HTTP peers in their own process, {pace}\n")
    print(f"paid orders turned into confirmation + fulfilment request: {rate:.1f} /s ({len(done)} of {len(orders)})"
          + ("" if args.rate else f"   target >= {TARGET_RATE} /s: {'met' if rate >= TARGET_RATE else 'NOT met'}"))  # fmt: skip
    print(f"webhook to both sent: p50 {statistics.median(latencies):.0f} ms, p99 {p99:.0f} ms"
          + (f"   target p99 < {TARGET_P99_MS} ms at {PACED_RATE} /s: {'met' if p99 < TARGET_P99_MS else 'NOT met'}" if args.rate == PACED_RATE else ""))  # fmt: skip
    per_order = {name: spent / len(done) * 1000 for name, spent in cpu.items()}
    print(f"the shop's CPU per paid order: {per_order['web'] + per_order['worker']:.1f} ms (web {per_order['web']:.1f}, "
          f"worker {per_order['worker']:.1f}); PostgreSQL {per_order['PostgreSQL']:.1f} ms, Redis {per_order['Redis']:.1f} ms")  # fmt: skip
    print_budget(per_order)
    timing = RECEIPT_PDFS.format(count=RECEIPT_PDFS_TIMED + RECEIPT_PDFS_WARM_UP, warm_up=RECEIPT_PDFS_WARM_UP)
    each_ms, timed = manage(env, "shell", "-c", timing, capture=True).split()
    print(f"of the worker's, a receipt's PDF alone: {float(each_ms):.1f} ms (the last {timed} receipts drawn again in one process)")


def print_budget(per_order: dict[str, float]) -> None:
    """Everything's CPU for a paid order beside what TARGET_RATE leaves on this machine's cores."""
    budget = os.cpu_count() * 1000 / TARGET_RATE
    spent = sum(per_order.values())
    print(f"all of it, per paid order: {spent:.1f} ms ({', '.join(f'{name} {ms:.1f}' for name, ms in per_order.items())}); "
          f"at {TARGET_RATE} /s, {os.cpu_count()} cores leave {budget:.1f} ms an order")  # fmt: skip


def print_webhooks_only(args, rate: float, per_order: dict[str, float]) -> None:
    print(f"\nRedis + PostgreSQL, the webhooks only (no worker), {args.clients} clients\n")
    print(f"webhooks applied: {rate:.1f} /s ({args.orders})")
    print(f"the web's CPU per webhook: {per_order['web']:.1f} ms; PostgreSQL {per_order['PostgreSQL']:.1f} ms, Redis {per_order['Redis']:.1f} ms")
    print_budget({name: ms for name, ms in per_order.items() if name != "worker"})


def own_cpu_seconds() -> float:
    """This script's CPU (its clients' threads and the peers' listener), children not included."""
    times = os.times()
    return times.user + times.system


def start_peers():
    return subprocess.Popen(
        [PYTHON, str(Path(__file__).with_name("peers.py"))], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
    )


if __name__ == "__main__":
    main()
