"""Catalogue read throughput under gunicorn on PostgreSQL, against a one-line floor view.

    .venv/bin/python bench/catalogue.py [--publications 10000] [--connections 32] [--seconds 15]

Loads the demo catalogue scaled to --publications into BENCH_DATABASE_URL (created if
missing), starts gunicorn with the production configuration (shop/gunicorn.py) and Redis as
the shared cache, and drives it with wrk. Prints requests/s and p50/p99 latency for the
floor view, the list API, the detail API and the publication page (one URL each, so mostly
served from the catalogue cache), then the list, detail and search spread at random over the
whole catalogue (bench/spread.lua), with each one's ratio to the floor.
Targets: list and detail at >= 0.7 of the floor, p99 under 50 ms at 32 connections.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    ROOT,
    free_port,
    manage,
    prepare_database,
    production_env,
    start_gunicorn,
    stop,
    wait_for,
)


def run_wrk(url: str, connections: int, seconds: int, spread: str | None = None, publications: int = 0) -> dict:
    script = ["-s", str(ROOT / "bench" / "spread.lua")] if spread else []
    env = {**os.environ, "BENCH_KIND": spread or "", "BENCH_PUBLICATIONS": str(publications)}
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publications", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/catalogue.py needs wrk: apt-get install wrk")

    port = free_port()
    env = production_env(web_port=port, DJANGO_SETTINGS_MODULE="bench.settings")
    prepare_database(env)
    manage(env, "collectstatic", "--noinput", "-v0")
    print(manage(env, "shell", "-c", SCALE.format(target=args.publications), capture=True))

    server = start_gunicorn(env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/bench/floor", server)
        targets = {
            "floor": ("/bench/floor", None),
            "list API": ("/api/publications/", None),
            "detail API": ("/api/publications/9781909029088/", None),
            "publication page": ("/publications/patient-centred-leadership/", None),
            # The same endpoints over the whole catalogue: mostly cache misses at first.
            "list, any page": ("/", "pages"),
            "detail, any ISBN": ("/", "details"),
            "search (uncached)": ("/", "searches"),
        }
        for path, spread in targets.values():  # warm every worker's connections
            run_wrk(base + path, args.connections, 2, spread, args.publications)
        results = {
            name: run_wrk(base + path, args.connections, args.seconds, spread, args.publications)
            for name, (path, spread) in targets.items()
        }
    finally:
        stop(server)

    floor = results["floor"]["rps"]
    print(f"\n{args.publications} publications, {args.connections} connections, {args.seconds}s each, gunicorn "
          f"({os.cpu_count()} cores)\n")  # fmt: skip
    print(f"{'':18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x floor':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:18} {r['rps']:9.0f} {r['p50']:8.1f} {r['p99']:8.1f} {r['rps'] / floor:8.2f} {r['errors']:7d} {r['socket_errors']}")


if __name__ == "__main__":
    main()
