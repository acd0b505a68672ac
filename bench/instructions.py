"""What an uncached catalogue read costs the web process, in instructions: the same count on every
run, whatever else the machine is doing.

    .venv/bin/python bench/instructions.py [--publications 100000] [--requests 200]
    .venv/bin/python bench/instructions.py --orders [--requests 200]

bench/catalogue.py's ratios move by several hundredths from run to run on a shared 2-core
machine, more than most single changes to a page move them. This counts instead, with valgrind's
callgrind, the instructions the web process runs for each request: Django's WSGI handler called
in this process with the production settings (DEBUG off, PostgreSQL at BENCH_DATABASE_URL, Redis
at BENCH_REDIS_URL), the catalogue scaled to --publications as bench/catalogue.py scales it. Each
row's requests are all different (pages, ISBNs, searches at random, none repeated) after 50 to
warm up, and only those are counted. Printed per request, and as the floor view's share of the
row's (what bench/catalogue.py's ratio would be were the web process all that a request cost).

With --orders, the same for bench/checkout.py's two rows instead: the write floor and placing an
order (POST /api/orders/, Stripe answered by bench/stripe_peer.py in its own process), each body
a different buyer's order of one to three titles.

With --worker, bench/worker.py's paid order in two rows: the web process taking its signed
payment_intent.succeeded webhook (the order marked paid, its receipt issued, its confirmation and
fulfilment request owed and handed to Redis), then a worker process doing both (the
process_outbox_entry task run as the worker runs it, with the receipt PDF, the SMTP server and the
HTTP warehouse of bench/peers.py in their own process). bench/worker.py's rate moves by a tenth
between runs on this machine; this count does not. Needs valgrind (apt-get install valgrind).
"""

import argparse
import gc
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.catalogue import LOW_STOCK, SCALE  # noqa: E402
from bench.checkout import STOCK_UP, address_of  # noqa: E402
from bench.common import PYTHON, ROOT, free_port, manage, peers_env, prepare_database, production_env, start, stop, vacuum, wait_for  # noqa: E402
from bench.worker import ORDERS, signed_event, start_peers  # noqa: E402

WARM_UP = 50
# Each row: the path and the query of its i-th request (n: a publication's number, as bench/spread.lua draws them).
ROWS = {
    "floor": lambda n, page: ("/bench/floor", ""),
    "list API, any page": lambda n, page: ("/api/publications/", f"page={page}"),
    "catalogue page, any": lambda n, page: ("/", f"page={page}"),
    "detail, any ISBN": lambda n, page: (f"/api/publications/{_isbn(n)}/", ""),
    "search (uncached)": lambda n, page: ("/api/publications/", f"search={n}"),
}
# bench/checkout.py's rows: each a POST of the i-th buyer's order.
WRITE_ROWS = {"write floor": "/bench/write-floor", "order placed": "/api/orders/"}
# bench/worker.py's rows, each for the i-th of the orders in PAID_ORDERS: its webhook, then its two outbox entries.
WORKER_ROWS = ("webhook (web)", "confirmation + fulfilment (worker)")


def _isbn(n: int) -> str:
    from stdnum import ean

    body = f"979880{n:06d}"
    return body + ean.calc_check_digit(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publications", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="counted per row, after the warm-up")
    parser.add_argument("--orders", action="store_true", help="bench/checkout.py's rows instead of the catalogue's")
    parser.add_argument("--worker", action="store_true", help="bench/worker.py's paid order instead of the catalogue's rows")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = post_orders if args.child in WRITE_ROWS else pay_orders if args.child in WORKER_ROWS else serve
        return run(args.child, args.requests, args.publications)
    if not shutil.which("valgrind"):
        sys.exit("bench/instructions.py needs valgrind: apt-get install valgrind")
    if args.orders:
        return main_orders(args)
    if args.worker:
        return main_worker(args)

    env = production_env(web_port=free_port(), DJANGO_SETTINGS_MODULE="bench.settings")
    prepare_database(env)
    manage(env, "collectstatic", "--noinput", "-v0")
    print(manage(env, "shell", "-c", SCALE.format(target=args.publications), capture=True))
    manage(env, "shell", "-c", LOW_STOCK)
    vacuum(env)
    counted = {row: count(row, args, env) for row in ROWS}

    print(f"\n{args.publications} publications, {args.requests} requests a row after {WARM_UP} to warm up, "
          "instructions of the web process (callgrind)\n")  # fmt: skip
    print(f"{'':22} {'per request':>12} {'floor / row':>12}")
    for row, instructions in counted.items():
        print(f"{row:22} {instructions / 1e6:10.2f} M {counted['floor'] / instructions:12.2f}")


def main_orders(args) -> None:
    env = production_env(web_port=free_port(), DJANGO_SETTINGS_MODULE="bench.settings", LOG_LEVEL="WARNING", TRUSTED_PROXIES="1")
    prepare_database(env)
    manage(env, "shell", "-c", STOCK_UP)
    manage(env, "shell", "-c", "from django.db import connection; from bench.urls import WRITE_FLOOR_TABLE; connection.cursor().execute(WRITE_FLOOR_TABLE)")
    vacuum(env)
    peer_port = free_port()
    peer = start([PYTHON, str(Path(__file__).with_name("stripe_peer.py")), str(peer_port)])
    try:
        wait_for(f"http://127.0.0.1:{peer_port}/_bench/time", peer)
        env["STRIPE_API_BASE"] = f"http://127.0.0.1:{peer_port}"
        counted = {row: count(row, args, env) for row in WRITE_ROWS}
    finally:
        stop(peer)
    print(f"\n{args.requests} requests a row after {WARM_UP} to warm up, instructions of the web process (callgrind)\n")
    print(f"{'':22} {'per request':>12} {'floor / row':>12}")
    for row, instructions in counted.items():
        print(f"{row:22} {instructions / 1e6:10.2f} M {counted['write floor'] / instructions:12.2f}")


def main_worker(args) -> None:
    peers = start_peers()
    try:
        smtp_port, warehouse_port = peers.stdout.readline().split()[1:]
        threading.Thread(target=peers.stdout.read, daemon=True).start()  # what arrived: not counted here, but read
        env = peers_env(free_port(), smtp_port, warehouse_port, DJANGO_SETTINGS_MODULE="shop.settings")
        prepare_database(env)
        with tempfile.NamedTemporaryFile("w", suffix=".json") as orders:
            orders.write(manage(env, "shell", "-c", ORDERS.format(count=WARM_UP + args.requests), capture=True))
            orders.flush()
            manage(env, "shell", "-c", "from shop.celery import app; app.control.purge()")
            env["PAID_ORDERS"] = orders.name
            counted = {row: count(row, args, env) for row in WORKER_ROWS}  # in this order: paid, then sent
        manage(env, "shell", "-c", "from shop.celery import app; app.control.purge()")  # the tasks the webhooks handed over
    finally:
        peers.stdin.close()
        peers.wait(timeout=10)
    print(f"\n{args.requests} paid orders after {WARM_UP} to warm up, instructions a paid order (callgrind)\n")
    for row, instructions in counted.items():
        print(f"{row:36} {instructions / 1e6:8.2f} M")
    print(f"{'both':36} {sum(counted.values()) / 1e6:8.2f} M")


def count(row: str, args, env: dict) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        child = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             PYTHON, __file__, "--child", row, "--requests", str(args.requests), "--publications", str(args.publications)],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        if child.returncode:
            sys.exit(f"{row}: the counted run failed:\n" + child.stderr[-5000:])
        totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
        return int(totals[0].split()[1]) / args.requests


def serve(row: str, requests: int, publications: int) -> None:
    """In the child, under callgrind: the row's requests, counting only those after the warm-up."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    handler, rng, make = WSGIHandler(), random.Random(row), ROWS[row]
    numbers = rng.sample(range(31, publications), WARM_UP + requests)
    pages = rng.sample(range(1, publications // 20 + 1), min(WARM_UP + requests, publications // 20))
    pages += [rng.randrange(1, publications // 20 + 1) for _ in range(WARM_UP + requests - len(pages))]
    for i, (n, page) in enumerate(zip(numbers, pages)):
        if i == WARM_UP:
            gc.collect()  # each row starts counting from the same heap: no collection the warm-up left due
            subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
        _get(handler, *make(n, page))
    subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)


def post_orders(row: str, requests: int, publications: int) -> None:
    """In the child, under callgrind: the row's POSTs, each a different buyer's order (as
    bench/checkout.py's), counting only those after the warm-up."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from catalogue.models import Publication

    handler, rng = WSGIHandler(), random.Random(3)
    isbns = list(Publication.objects.filter(on_sale=True).values_list("isbn", flat=True))
    run = random.Random().randrange(10**6)  # buyers of their own: a run places its orders among no earlier run's
    for i in range(WARM_UP + requests):
        if i == WARM_UP:
            gc.collect()
            subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
        body = {
            "email": f"bench{run * 1000 + i}@example.org",
            "delivery": {"name": "Bench Reader", "line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"},
            "delivery_method": "uk-standard",
            "items": [{"isbn": isbn, "quantity": rng.randint(1, 3)} for isbn in rng.sample(isbns, rng.randint(1, 3))],
        }  # fmt: skip
        _request(handler, "POST", WRITE_ROWS[row], "", json.dumps(body).encode(), {"HTTP_X_FORWARDED_FOR": address_of(body)})
    subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)


def pay_orders(row: str, requests: int, publications: int) -> None:
    """In the child, under callgrind: each order of PAID_ORDERS paid by its webhook, or its
    confirmation and fulfilment request sent, counting only those after the warm-up."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from orders.models import OutboxEntry
    from worker import tasks

    handler = WSGIHandler()
    for i, (number, intent) in enumerate(json.loads(Path(os.environ["PAID_ORDERS"]).read_text())):
        if i == WARM_UP:
            gc.collect()
            subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
        if row == WORKER_ROWS[0]:
            body, headers = signed_event(number, intent, os.environ["STRIPE_WEBHOOK_SECRET"])  # the parent's
            _request(handler, "POST", "/api/payments/stripe/webhook/", "", body, {"HTTP_STRIPE_SIGNATURE": headers["Stripe-Signature"]})
            continue
        for entry in OutboxEntry.objects.filter(order__number=number).order_by("kind").values_list("pk", flat=True):
            result = tasks.process_outbox_entry.apply(args=[entry])  # as the worker runs it: its signals too
            if result.result not in ("sent", "accepted by the warehouse (200)"):
                sys.exit(f"{number}: {result.result}")
    subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)


def _get(handler, path: str, query: str) -> None:
    _request(handler, "GET", path, query)


def _request(handler, method: str, path: str, query: str, body: bytes = b"", headers: dict | None = None) -> None:
    statuses = []
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": "*/*", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http", **(headers or {}),
    }  # fmt: skip
    body = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(body)
    body.close()
    if not statuses[0].startswith(("200", "201")):
        sys.exit(f"{method} {path}?{query}: {statuses[0]}")


if __name__ == "__main__":
    main()
