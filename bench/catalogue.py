"""Catalogue read throughput under gunicorn on PostgreSQL, against a one-line floor view.

    .venv/bin/python bench/catalogue.py [--publications 10000] [--connections 32] [--seconds 5] [--runs 3]

Loads the demo catalogue scaled to --publications into BENCH_DATABASE_URL (created if
missing), vacuums and analyzes it as autovacuum would have by then, starts gunicorn with the
production configuration (shop/gunicorn.py) and Redis as the shared cache, and drives it with
wrk. Each row is measured --runs times, each time right
after the floor view (floor, row, floor, row ...), and printed as the median run beside its
target: requests/s as a ratio to the floor, p99 under an absolute figure or within 1.5 x the
floor's p99 in the same run, whichever is larger. The rows: one URL each of the list API, the
detail API and the publication page (mostly served from the cache), a page of a title under
"Only N left" while a loop sells and cancels copies of it, then the catalogue page, the list
API, the detail API and search spread at random over the whole catalogue (bench/spread.lua).
"""

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    PYTHON,
    ROOT,
    errors_of,
    free_port,
    manage,
    prepare_database,
    production_env,
    start,
    start_gunicorn,
    stop,
    vacuum,
    wait_for,
)


def run_wrk(url: str, connections: int, seconds: int, spread: str | None = None, publications: int = 0) -> dict:
    script = ["-s", str(ROOT / "bench" / "spread.lua")] if spread else []
    seed = str(random.randrange(1_000_000_000))  # a sequence of its own for every run (spread.lua)
    env = {**os.environ, "BENCH_KIND": spread or "", "BENCH_PUBLICATIONS": str(publications), "BENCH_SEED": seed}
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *script, url],
        capture_output=True, text=True, check=True, env=env,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latencies = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": _ms(latencies["50"]),
        "p99": _ms(latencies["99"]),
        "errors": (int(errors.group(1)) if errors else 0),
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


SCALE = """
import random
from datetime import date, timedelta
from decimal import Decimal
from django.db import transaction
from stdnum import ean
from catalogue.models import Publication, PriceChange, StockMovement, Topic

target = {target}
have = Publication.objects.count()
topics = list(Topic.objects.all())
rng = random.Random(1)
with transaction.atomic():
    new = []
    for n in range(have, target):
        body = "979880" + f"{{n:06d}}"
        new.append(Publication(
            isbn=body + ean.calc_check_digit(body), title=f"Working paper {{n}}: " + rng.choice(["care", "finance", "workforce", "data"]),
            subtitle="Evidence and options", slug=f"working-paper-{{n}}", summary="A summary of the findings. " * 8,
            key_findings=["First finding.", "Second finding.", "Third finding."], policy_implications="What to do next.",
            authors=["Research team"], published=date(2010, 1, 1) + timedelta(days=n % 5000), pages=20 + n % 200,
            price=Decimal(rng.choice(["5.00", "7.50", "8.50", "12.00"])),
        ))
    Publication.objects.bulk_create(new, batch_size=1000)
    created = list(Publication.objects.filter(isbn__startswith="979880"))
    PriceChange.objects.bulk_create([PriceChange(publication=p, new_price=p.price) for p in created if not p.price_changes.exists()] if have < target else [], batch_size=1000)
    Through = Publication.topics.through
    Through.objects.bulk_create([Through(publication_id=p.pk, topic_id=rng.choice(topics).pk) for p in new], batch_size=1000, ignore_conflicts=True)
    movements = [StockMovement(publication=p, delta=50, reason="goods_in", stock_after=50, note="bench") for p in new]
    StockMovement.objects.bulk_create(movements, batch_size=1000)
    Publication.objects.filter(pk__in=[p.pk for p in new]).update(stock=50)
print(Publication.objects.count(), "publications")
"""


# What each row is measured against: its ratio to the floor (median of the runs) and its p99,
# met when under the absolute figure or within P99_OF_FLOOR x the floor's p99 in the same run.
P99_OF_FLOOR = 1.5


@dataclass
class Row:
    name: str
    path: str
    spread: str | None = None
    ratio: float | None = None  # target: at least this x the floor
    p99_ms: float | None = None  # target: p99 under this (or P99_OF_FLOOR x the floor's)
    runs: list = field(default_factory=list)  # (floor result, own result) per run


ROWS = [
    Row("list API (cached)", "/api/publications/", ratio=0.9, p99_ms=50),
    Row("detail API (cached)", "/api/publications/9781909029088/", ratio=0.9),
    Row("publication page", "/publications/patient-centred-leadership/", ratio=0.5, p99_ms=50),
    # A title under ONLY_N_LEFT while sales and cancellations move its stock (SALES below).
    Row("page, Only N left", "/publications/working-paper-31/", ratio=0.5, p99_ms=50),
    Row("catalogue page, any", "/", "catalogue", ratio=0.3),
    Row("list API, any page", "/", "pages", ratio=0.3),
    Row("detail, any ISBN", "/", "details", ratio=0.3),
    Row("search (uncached)", "/", "searches", ratio=0.2),
]

# Orders running while the pages are read: a sale, then its cancellation, in a loop on one title
# (stock 4: "Only 4 left", then 3, then 4 ...), through the same service checkout uses.
LOW_STOCK = """
from catalogue.models import Publication
Publication.objects.filter(slug="working-paper-31").update(stock=4)
"""
SALES = """
import time
from catalogue.models import Publication
from catalogue import services
title = Publication.objects.get(slug="working-paper-31")
while True:
    services.stock_adjust(publication=title, delta=-1, reason="sale", order_number="BENCH")
    time.sleep(0.02)
    services.stock_adjust(publication=title, delta=1, reason="cancellation", order_number="BENCH")
    time.sleep(0.02)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publications", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=5, help="each measurement; a row takes 2 x runs of them")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="measure only the rows whose names contain this")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/catalogue.py needs wrk: apt-get install wrk (make bench installs it)")

    port = free_port()
    env = production_env(web_port=port, DJANGO_SETTINGS_MODULE="bench.settings")
    prepare_database(env)
    manage(env, "collectstatic", "--noinput", "-v0")
    print(manage(env, "shell", "-c", SCALE.format(target=args.publications), capture=True))
    manage(env, "shell", "-c", LOW_STOCK)
    vacuum(env)
    rows = [row for row in ROWS if not args.only or args.only in row.name]

    server = start_gunicorn(env)
    sales = start([PYTHON, "manage.py", "shell", "-c", SALES], env)
    base = f"http://127.0.0.1:{port}"
    floor = Row("floor", "/bench/floor")
    try:
        wait_for(base + floor.path, server)
        for row in [floor, *rows]:  # warm every worker's connections
            run_wrk(base + row.path, args.connections, 2, row.spread, args.publications)
        # Interleaved: floor, row, floor, row ... so that a slower moment of the machine falls on both.
        for _ in range(args.runs):
            for row in rows:
                measured_floor = run_wrk(base + floor.path, args.connections, args.seconds)
                row.runs.append((measured_floor, run_wrk(base + row.path, args.connections, args.seconds, row.spread, args.publications)))
        notice = urllib.request.urlopen(base + ROWS[3].path).read().decode()
        if sales.poll() is not None:
            sys.exit("the sales loop stopped: " + errors_of(sales))
    finally:
        stop(server, sales)

    print(f"\n{args.publications} publications, {args.connections} connections, {args.seconds}s a measurement, "
          f"median of {args.runs} runs interleaved with the floor, gunicorn ({os.cpu_count()} cores)\n")  # fmt: skip
    print(f"{'':22} {'req/s':>7} {'floor':>7} {'x floor':>8} {'target':>7} {'p99 ms':>7} {'floor p99':>9} {'p99 target':>10} {'errors':>6}  met")
    for row in rows:
        ratios = [own["rps"] / floored["rps"] for floored, own in row.runs]
        run = row.runs[ratios.index(statistics.median_low(ratios))]  # the median run's own figures
        floored, own = run
        p99_allowed = max(P99_OF_FLOOR * floored["p99"], row.p99_ms or 0) if row.p99_ms else None
        errors = sum(own["errors"] for _, own in row.runs)
        met = (row.ratio is None or statistics.median(ratios) >= row.ratio) and (p99_allowed is None or own["p99"] <= p99_allowed) and not errors
        print(f"{row.name:22} {own['rps']:7.0f} {floored['rps']:7.0f} {statistics.median(ratios):8.2f} "
              f"{'>= ' + format(row.ratio, '.1f') if row.ratio else '':>7} {own['p99']:7.1f} {floored['p99']:9.1f} "
              f"{'< ' + format(p99_allowed, '.0f') if p99_allowed else '':>10} {errors:6d}  {'yes' if met else 'NO'}")  # fmt: skip
    print(f"\nwhile the sales ran, {ROWS[3].path} said: " + (re.search(r"Only \d+ left", notice) or ["no 'Only N left'"])[0])


if __name__ == "__main__":
    main()
