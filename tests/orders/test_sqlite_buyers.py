"""The laptop default holds too: several gunicorn processes on one SQLite file, buyers at once,
no "database is locked" (WAL, IMMEDIATE transactions, a busy timeout; see shop/settings.py)."""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.payments import free_port, order_body
from tests.production import generated_secrets

ROOT = Path(__file__).resolve().parents[2]
SETUP = """
from catalogue.models import Publication, StockMovement
from catalogue import services
from decimal import Decimal
from datetime import date
p = services.publication_save(publication=Publication(isbn="9781909029088", title="Seed", slug="seed", summary="s",
    published=date(2024, 1, 1), pages=52, price=Decimal("8.50")))
services.stock_adjust(publication=p, delta=5, reason=StockMovement.Reason.GOODS_IN)
"""
CHECK = """
from catalogue.models import Publication
from django.db.models import Sum
p = Publication.objects.get()
print(p.stock, p.stock_movements.aggregate(t=Sum("delta"))["t"], p.order_lines.count())
"""


@pytest.fixture
def sqlite_shop(tmp_path, localstripe_url):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "false",
        **generated_secrets(),
        "HOLD_MAX_SHARE": "1.0",  # every buyer's copies held at once: this test is about the database
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STRIPE_API_BASE": localstripe_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "4",
        "GUNICORN_ACCESSLOG": "",
    }

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout

    manage("migrate", "--noinput", "-v0")
    manage("shell", "-c", SETUP)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:shop.gunicorn", "shop.wsgi"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/healthz", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    yield url, manage
    server.terminate()
    server.wait(timeout=30)


def test_a_handful_of_simultaneous_buyers_on_sqlite_never_see_database_is_locked(sqlite_shop):
    url, manage = sqlite_shop
    barrier = threading.Barrier(12)
    answers = []

    def buy():
        barrier.wait()
        response = requests.post(url + "/api/orders/", json=order_body(("9781909029088", 1)), timeout=60)
        answers.append((response.status_code, response.json().get("code")))

    threads = [threading.Thread(target=buy) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(answers) == {(201, None): 5, (409, "insufficient_stock"): 7}
    stock, ledger, lines = manage("shell", "-c", CHECK).strip().splitlines()[-1].split()
    assert (stock, ledger, lines) == ("0", "0", "5")
