"""Finance report export against PostgreSQL's own COPY, on a million order lines.

    .venv/bin/python bench/reports.py [--lines 1000000]

Fills BENCH_DATABASE_URL with paid orders of four lines each (once; kept for later runs),
then in one run: streams the order-lines CSV report for the whole year through the shop's own
code path (reports.finance.csv_lines, as the API does) and prints rows/s and this process's peak
memory; runs `COPY (the same query) TO STDOUT` straight through psycopg and prints its rows/s;
prints their ratio; and, for comparison, the rate of formatting the rows in Python (the path on
databases other than PostgreSQL). Targets: at least 0.8 of COPY's rate, peak memory under 150 MB.
"""

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from psycopg import sql  # noqa: E402

from bench.common import production_env  # noqa: E402

FILL = """
INSERT INTO orders_order (number, token, status, email, name, line1, line2, city, postcode, country, subtotal, delivery,
    vat, total, currency, payment_intent, stripe_charge, client_secret, idempotency_key, request_fingerprint,
    needs_attention, attention_reason, placed_at, expires_at, paid_at, delivery_method_id, carrier, tracking_number)
SELECT 'BN-' || lpad(g::text, 9, '0'), md5(g::text), 'paid', 'bench' || g || '@example.org', 'Bench Reader', '1 High St',
    '', 'Leeds', 'LS1 1AA', 'GB', 34.00, 0.00, 0.00, 34.00, 'GBP', 'pi_bench_' || g, 'ch_bench_' || g, '', NULL, '',
    false, '', t.at - interval '5 minutes', t.at + interval '25 minutes', t.at, %(method)s, '', ''
FROM generate_series(%(first)s, %(last)s) g
CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + g * interval '120 seconds' AS at) t;

INSERT INTO orders_orderline (order_id, publication_id, isbn, title, quantity, unit_price, line_total, vat_rate, vat)
SELECT o.id, p.id, p.isbn, p.title, 1, 8.50, 8.50, 0, 0
FROM orders_order o
CROSS JOIN LATERAL (SELECT id, isbn, title FROM catalogue_publication ORDER BY id LIMIT 4 OFFSET (o.id %% 25)) p
WHERE o.number >= 'BN-' || lpad(%(first)s::text, 9, '0') AND o.number <= 'BN-' || lpad(%(last)s::text, 9, '0');
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()

    env = production_env(web_port=0)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "VAR_DIR")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from reports import finance as reports
    from orders.models import DeliveryMethod, OrderLine

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_demo_catalogue", verbosity=0)
    have = OrderLine.objects.filter(order__number__startswith="BN-").count()
    if have < args.lines:
        orders = (args.lines - have) // 4
        first = have // 4 + 1
        print(f"Adding {orders * 4:,} order lines ...", flush=True)
        with connection.cursor() as cursor:
            cursor.execute(FILL, {"first": first, "last": first + orders - 1, "method": DeliveryMethod.objects.get(code="uk-standard").pk})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_order; ANALYZE orders_orderline")

    report = reports.REPORTS["order-lines"]
    period = reports.Period(date(2025, 1, 1), date(2025, 12, 31))

    def export(lines) -> tuple[int, float]:
        count, started = 0, time.perf_counter()
        with open(os.devnull, "w") as sink:
            for text in lines:
                sink.write(text)
                count += text.count("\n")
        return count - 1, time.perf_counter() - started  # less the header

    rows, ours = export(reports.csv_lines(report, period))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    python_rows, python_seconds = export(reports.rows_as_csv(report, period))

    copy = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(report.copy_query(period, False))
    with connection.cursor() as cursor:
        started, copied = time.perf_counter(), -1
        with cursor.cursor.copy(copy) as stream:
            for chunk in stream:
                copied += bytes(chunk).count(b"\n")
        theirs = time.perf_counter() - started

    print(f"\n{rows:,} order lines in the period; PostgreSQL, one process\n")
    print(f"shop CSV export (API path)   {rows / ours:10,.0f} rows/s   ({ours:.1f} s)   peak memory {peak_mb:.0f} MB")
    print(f"COPY same query, raw         {copied / theirs:10,.0f} rows/s   ({theirs:.1f} s)")
    print(f"ratio                        {(rows / ours) / (copied / theirs):10.2f}   (targets: >= 0.8, peak memory < 150 MB)")
    print(f"for comparison, rows formatted in Python (the path on other databases): {python_rows / python_seconds:,.0f} rows/s")

if __name__ == "__main__":
    main()
