"""A mixed load on the whole shop, optionally with a fault, ending with the books checked.

    .venv/bin/python bench/load.py [--minutes 5] [--users 30]
    .venv/bin/python bench/load.py --fault postgres|redis|stripe [--minutes 3] [--mix checkout]

Starts, on a fresh PostgreSQL database (bench_load on BENCH_DATABASE_URL's server, dropped and
made again) and a Redis server of its own: gunicorn with the production settings, one
`celery worker`, `celery beat`, localstripe (its signed webhooks registered with the shop), a
local SMTP server and a local HTTP warehouse. Then Locust (bench/locustfile.py) runs --users
readers for --minutes: ~90% browsing, ~9% basket and checkout, ~1% webhooks and reports
(`--mix checkout`: purchases only).

--fault, --fault-at seconds into the run:
  postgres  PostgreSQL restarted (pg_ctlcluster ... restart: every connection is cut);
  redis     the Redis server (broker and cache, keeping nothing on disk) stopped for
            --fault-seconds (default 10), then started again empty;
  stripe    localstripe stopped (SIGSTOP) for --fault-seconds (default 60): the shop's calls
            to Stripe time out; then it goes on (SIGCONT), sending the webhooks it owes.

Then it waits for the shop to settle (unpaid orders expire after ORDER_PAYMENT_MINUTES=2 here,
the outbox drains) and checks the books: `manage.py check_books` (stock equals the ledger, each
order holds its copies, every owed message sent, nothing stuck), and at the peers: every paid
order got exactly one confirmation email and one accepted fulfilment request, every dispatched
order one dispatch email, and nothing arrived for an order that was never paid.

It prints throughput, p50/p99 and errors per kind of request, the fault's timeline and the books.
Exits 1 if the books do not balance.
"""

import argparse
import email
import email.policy
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import PYTHON, ROOT, SECRETS, free_port, manage, peers_env, stop, wait_for  # noqa: E402

WEBHOOK_SECRET = SECRETS["STRIPE_WEBHOOK_SECRET"]
WAREHOUSE_SECRET = SECRETS["FULFILMENT_SECRET"]
ORDER_NUMBER = re.compile(r"PS-[0-9A-Z]{4}-[0-9A-Z]{4}")
VAR = ROOT / "var" / "bench"


# --- the peers: a mail server and a warehouse that count what reaches them -------------------
class Peers:
    def __init__(self):
        self.lock = threading.Lock()
        self.emails: Counter = Counter()  # (kind, order number) -> messages
        self.fulfilment_arrived: Counter = Counter()  # order number -> requests
        self.fulfilment_accepted: set[str] = set()  # Idempotency-Keys accepted once, as a warehouse does

    def email(self, subject: str) -> None:
        kind = "confirmation" if "is confirmed" in subject else "dispatch" if "on its way" in subject else "other"
        found = ORDER_NUMBER.search(subject)
        with self.lock:
            self.emails[kind, found.group(0) if found else subject] += 1

    def fulfilment(self, number: str, key: str) -> None:
        with self.lock:
            self.fulfilment_arrived[number] += 1
            self.fulfilment_accepted.add(key)


class Mailbox:
    def __init__(self, peers: Peers):
        self.peers = peers

    async def handle_DATA(self, server, session, envelope):
        self.peers.email(email.message_from_bytes(envelope.content, policy=email.policy.default)["Subject"])
        return "250 OK"


def warehouse_handler(peers: Peers):
    class Warehouse(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            peers.fulfilment(body["order_number"], self.headers["Idempotency-Key"])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    return Warehouse


# --- the services -------------------------------------------------------------------------------
def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start_logged(name: str, command: list[str], env: dict | None = None) -> subprocess.Popen:
    """A service whose output goes to var/bench/load-NAME.log (a pipe nobody reads would fill and stall it)."""
    with open(VAR / f"load-{name}.log", "a") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_redis(port: int) -> subprocess.Popen:
    redis = start_logged("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            return redis
        time.sleep(0.1)
    sys.exit("redis-server did not start")


def restart_postgres() -> str:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)
    return f"PostgreSQL {version} restarted"


SETUP = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from catalogue import services
from catalogue.models import Publication
for p in Publication.objects.filter(on_sale=True):
    if p.stock < 100000:
        services.stock_adjust(publication=p, delta=100000 - p.stock, reason="goods_in", note="load run")
finance = get_user_model().objects.create_user("finance", "finance@example.org", "not-used", is_staff=True)
finance.groups.add(Group.objects.get(name="Finance"))
publications = [{"isbn": p.isbn, "isbn_display": p.isbn_display, "slug": p.slug} for p in Publication.objects.filter(on_sale=True)]
print(json.dumps({"finance_token": Token.objects.create(user=finance).key, "publications": publications}))
"""

STATE = """
import json
from collections import Counter
from orders.models import Order, OrderStatusChange, OutboxEntry
print(json.dumps({
    "paid": sorted(set(OrderStatusChange.objects.filter(to_status="paid").values_list("order__number", flat=True))),
    "dispatched": sorted(Order.objects.exclude(dispatched_at=None).values_list("number", flat=True)),
    "statuses": dict(Counter(Order.objects.values_list("status", flat=True))),
    "awaiting_payment": Order.objects.filter(status="pending_payment").count(),
    "outbox_pending": OutboxEntry.objects.filter(status="pending").count(),
}))
"""


def state(env: dict) -> dict:
    return json.loads(manage(env, "shell", "-c", STATE, capture=True))


def books(env: dict) -> dict:
    result = subprocess.run(
        [PYTHON, "manage.py", "check_books", "--json", "--grace-minutes", "0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the run ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--mix", choices=["mixed", "checkout"], default="mixed")
    parser.add_argument("--fault", choices=["postgres", "redis", "stripe"])
    parser.add_argument("--fault-at", type=float, default=60, help="seconds into the run")
    parser.add_argument("--fault-seconds", type=float, help="how long Redis or Stripe stays down (10 / 60)")
    parser.add_argument("--settle-minutes", type=float, default=5, help="longest wait for the shop to settle")
    args = parser.parse_args()
    down_for = args.fault_seconds or {"redis": 10, "stripe": 60}.get(args.fault, 0)

    VAR.mkdir(parents=True, exist_ok=True)
    for log in VAR.glob("load-*.log"):
        log.unlink()
    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench").rsplit("/", 1)[0]
    database_url = f"{server}/bench_load"  # its own database: dropped and made again each run
    fresh_database(database_url)
    peers = Peers()
    smtp = Controller(Mailbox(peers), hostname="127.0.0.1", port=free_port())
    smtp.start()
    warehouse = ThreadingHTTPServer(("127.0.0.1", 0), warehouse_handler(peers))
    threading.Thread(target=warehouse.serve_forever, daemon=True).start()
    redis_port, stripe_port, web_port = free_port(), free_port(), free_port()
    base, stripe_base = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{stripe_port}"
    env = peers_env(
        web_port,
        smtp.port,
        warehouse.server_address[1],
        database_url=database_url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        STRIPE_API_BASE=stripe_base,
        ORDER_PAYMENT_MINUTES="2",
        PAYMENT_RECONCILE_AFTER_MINUTES="1",
    )
    redis = start_redis(redis_port)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo_catalogue")
    setup = json.loads(manage(env, "shell", "-c", SETUP, capture=True))

    manage(env, "collectstatic", "--noinput", "-v0")
    stripe = start_logged("localstripe", [PYTHON, "-m", "localstripe", "--port", str(stripe_port), "--from-scratch"])
    web = start_logged("web", [PYTHON, "-m", "gunicorn", "-c", "python:shop.gunicorn", "shop.wsgi"], env)
    celery = [PYTHON, "-m", "celery", "-A", "shop"]
    worker = start_logged("worker", [*celery, "worker", "--loglevel=WARNING", "--concurrency=2", "--without-mingle", "--without-gossip"], env)
    beat = start_logged("beat", [*celery, "beat", "--loglevel=WARNING", "--schedule", str(VAR / "load-beat-schedule")], env)
    locust = None
    timeline: list[tuple[float, str]] = []
    results_file = VAR / "load-results.json"
    try:
        wait_for(f"{stripe_base}/js.stripe.com/v3/", stripe, "see var/bench/load-localstripe.log")
        wait_for(f"{base}/healthz", web, "see var/bench/load-web.log")
        manage(env, "localstripe_webhook", "--url", f"{base}/api/payments/stripe/webhook/")
        config = {
            **setup, "stripe": stripe_base, "publishable_key": SECRETS["STRIPE_PUBLISHABLE_KEY"], "webhook_secret": WEBHOOK_SECRET,
            "warehouse_secret": WAREHOUSE_SECRET, "mix": args.mix, "results": str(results_file),
        }  # fmt: skip
        seconds = int(args.minutes * 60)
        locust = subprocess.Popen(
            [PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
             "-u", str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{seconds}s", "--host", base,
             "--loglevel", "WARNING", "--stop-timeout", "30"],
            cwd=ROOT, env={**env, "LOAD_CONFIG": json.dumps(config)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        started = time.monotonic()
        mark = lambda what: timeline.append((time.monotonic() - started, what))  # noqa: E731
        mark(f"load starts: {args.users} users, {args.mix} mix")
        if args.fault:
            time.sleep(args.fault_at)
            if args.fault == "postgres":
                mark("PostgreSQL restart begins")
                mark(restart_postgres())
            elif args.fault == "redis":
                redis.send_signal(signal.SIGTERM)
                redis.wait()
                mark("Redis stopped")
                time.sleep(down_for)
                redis = start_redis(redis_port)
                mark("Redis started again (empty)")
            else:
                os.killpg(stripe.pid, signal.SIGSTOP)
                mark("localstripe stopped (SIGSTOP)")
                time.sleep(down_for)
                os.killpg(stripe.pid, signal.SIGCONT)
                mark("localstripe running again (SIGCONT)")
        _, locust_errors = locust.communicate()
        mark("load ends")
        if locust.returncode not in (0, 1):  # 1: some requests failed, which is reported below
            sys.exit(f"locust failed:\n{locust_errors}")

        deadline = time.monotonic() + args.settle_minutes * 60
        while True:
            now = state(env)
            if (now["awaiting_payment"] == 0 and now["outbox_pending"] == 0) or time.monotonic() > deadline:
                break
            time.sleep(5)
        mark(f"settled: {now['awaiting_payment']} orders awaiting payment, {now['outbox_pending']} messages owed")
        time.sleep(2)  # the last emails' SMTP sessions close
        final_books, final = books(env), state(env)
    finally:
        if locust is not None and locust.poll() is None:
            locust.kill()
        for process in (beat, worker, web, stripe, redis):
            if process.poll() is None:
                stop(process)
        smtp.stop()
        warehouse.shutdown()

    report(json.loads(results_file.read_text()), timeline, final_books, final, peers, args)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def report(results: dict, timeline, final_books: dict, final: dict, peers: Peers, args) -> None:
    seconds = results["seconds"]
    kinds: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for name, times in results["timings"].items():
        kinds[name.split(":")[0]].extend(times)
    for name, reasons in results["failures"].items():
        errors[name.split(":")[0]] += sum(reasons.values())
    shop_requests = sum(len(times) for kind, times in kinds.items() if kind != "stripe")
    print(f"\nPostgreSQL + Redis, gunicorn ({os.cpu_count()} cores), one celery worker (2 processes), beat, localstripe;"
          f" {args.users} users for {seconds:.0f} s, {args.mix} mix" + (f", fault: {args.fault}" if args.fault else "") + "\n")  # fmt: skip
    print(f"{'kind':<22}{'requests':>10}{'share':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind, times in sorted(kinds.items(), key=lambda item: -len(item[1])):
        share = f"{100 * len(times) / shop_requests:.1f}%" if kind != "stripe" else "-"
        print(f"{kind:<22}{len(times):>10}{share:>8}{len(times) / seconds:>9.1f}{statistics.median(times):>9.0f}"
              f"{percentile(times, 0.99):>9.0f}{errors[kind]:>8}")  # fmt: skip
    print(f"{'all shop requests':<22}{shop_requests:>10}{'':>8}{shop_requests / seconds:>9.1f}")
    print()
    for name, times in sorted(results["timings"].items()):
        print(f"  {name:<40}{len(times):>8}  p50 {statistics.median(times):6.0f} ms  p99 {percentile(times, 0.99):6.0f} ms")
    if results["failures"]:
        print("\nerrors:")
        for name, reasons in sorted(results["failures"].items()):
            for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
                print(f"  {count:>6} x {name}: {reason}")
    print("\ntimeline:")
    for at, what in timeline:
        print(f"  {at:7.1f} s  {what}")

    paid, dispatched = set(final["paid"]), set(final["dispatched"])
    problems = [f"{p['check']}: {p['subject']}: {p['detail']}" for p in final_books["problems"]]
    for number in sorted(paid):
        for kind in ("confirmation",) + (("dispatch",) if number in dispatched else ()):
            if peers.emails[kind, number] != 1:
                problems.append(f"peers: {number}: {peers.emails[kind, number]} {kind} emails arrived, expected 1")
        if number not in peers.fulfilment_accepted:
            problems.append(f"peers: {number}: no fulfilment request accepted by the warehouse")
    strays = {number for (_, number) in peers.emails} | set(peers.fulfilment_arrived)
    problems += [f"peers: {number}: messages arrived for an order that was never paid" for number in sorted(strays - paid)]
    repeats = sum(count - 1 for count in peers.fulfilment_arrived.values())
    print(f"\nbooks: {final_books['orders']} orders ({', '.join(f'{n} {s}' for s, n in sorted(final['statuses'].items()))});"
          f" {len(paid)} paid, each checked for one confirmation and one fulfilment request;"
          f" {len(dispatched)} dispatched, each checked for one dispatch email")  # fmt: skip
    print(f"       at the peers: {sum(n for (k, _), n in peers.emails.items() if k == 'confirmation')} confirmations,"
          f" {len(peers.fulfilment_accepted)} fulfilment requests accepted ({repeats} repeated with the same Idempotency-Key),"
          f" {sum(n for (k, _), n in peers.emails.items() if k == 'dispatch')} dispatch emails")  # fmt: skip
    if problems:
        print(f"BOOKS DO NOT BALANCE: {len(problems)} problems")
        for problem in problems[:50]:
            print(f"  {problem}")
        sys.exit(1)
    print("BOOKS BALANCED: stock equals the ledger, every order holds its copies, every paid order had one confirmation and"
          " one fulfilment request, nothing stuck")  # fmt: skip


if __name__ == "__main__":
    main()
