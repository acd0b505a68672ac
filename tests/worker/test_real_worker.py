"""A real `celery worker` process on Redis and PostgreSQL (.ci/run's second pass): paid orders
become exactly one confirmation and one fulfilment request, whatever fails on the way."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from orders.models import Order, OutboxEntry
from shop.celery import app as celery_app
from worker import tasks

from .conftest import WAREHOUSE_SECRET, signed_dispatch

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL (.ci/run does)"),
]


def wait_for(condition, timeout=30.0, interval=0.2, sweep=False):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if sweep:  # what beat does every 30 seconds
            tasks.sweep_outbox()
        time.sleep(interval)
    raise AssertionError("timed out")


@pytest.fixture
def worker_env(smtp_server, warehouse, localstripe_url):
    settings = connection.settings_dict
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server_port(smtp_server)}",
        "FULFILMENT_BACKEND": "http",
        "FULFILMENT_URL": warehouse.url,
        "FULFILMENT_SECRET": WAREHOUSE_SECRET,
        "STRIPE_API_BASE": localstripe_url,
        "OUTBOX_RETRY_SECONDS": "1",
        "OUTBOX_LEASE_SECONDS": "4",
    }


def smtp_server_port(mailbox):
    from django.conf import settings

    return settings.EMAIL_PORT


class Workers:
    def __init__(self, env):
        self.env = env
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shop", "worker", "--concurrency=1", "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: bool(celery_app.control.ping(timeout=0.5)), timeout=30)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture
def workers(worker_env):
    celery_app.control.purge()  # messages other tests published, for rows long gone
    workers = Workers(worker_env)
    workers.start()
    yield workers
    workers.stop()


def confirmations(mailbox, order):
    return [m for m in mailbox.messages if m["Subject"] == f"Your order {order.number} is confirmed"]


def test_a_paid_order_gets_one_confirmation_one_request_and_a_tracking_email(workers, paid_order, smtp_server, warehouse, api):
    wait_for(lambda: len(confirmations(smtp_server, paid_order)) == 1 and paid_order.number in warehouse.accepted)
    wait_for(lambda: Order.objects.get(pk=paid_order.pk).status == "fulfilment_requested")

    body, headers = signed_dispatch({"order_number": paid_order.number, "carrier": "Royal Mail", "tracking_number": "RM987654321GB"})
    assert api.post("/api/fulfilment/dispatch/", body, content_type="application/json", HTTP_X_SIGNATURE=headers["X-Signature"]).status_code == 200
    wait_for(lambda: any("RM987654321GB" in m.get_body(("plain",)).get_content() for m in smtp_server.messages))

    time.sleep(1)
    assert len(confirmations(smtp_server, paid_order)) == 1
    assert len(warehouse.requests) == 1
    assert len(smtp_server.messages) == 2


def test_a_worker_killed_mid_request_loses_nothing_and_doubles_nothing(workers, paid_order, smtp_server, warehouse):
    warehouse.delay = 3  # the warehouse is slow: the worker dies while waiting for its answer
    wait_for(lambda: warehouse.arrived == 1)
    workers.kill()
    assert warehouse.requests == []  # the request was still in flight
    warehouse.delay = 0

    workers.start()
    wait_for(lambda: OutboxEntry.objects.filter(order=paid_order, status="sent").count() == 2, timeout=40, sweep=True)

    assert len(confirmations(smtp_server, paid_order)) == 1
    assert warehouse.arrived == 2  # sent again after the worker died...
    assert list(warehouse.accepted) == [paid_order.number]  # ...with the same Idempotency-Key: accepted once
    order = Order.objects.get(pk=paid_order.pk)
    assert order.status == "fulfilment_requested"
    assert order.status_changes.filter(to_status="fulfilment_requested").count() == 1


def test_the_broker_unreachable_when_paid_the_emails_go_once_it_is_back(worker_env, workers, api, stripe_emulator, seed, smtp_server, warehouse):
    from tests.payments import order_body

    number = api.post("/api/orders/", order_body((seed.isbn, 1)), format="json").data["number"]
    pay_without_broker = (
        "from orders import gateway, services; from orders.models import Order;"
        f"o = Order.objects.get(number='{number}');"
        "services.payment_succeeded(intent=gateway.Intent(o.payment_intent, 'succeeded', gateway.to_pence(o.total), 'gbp', '', o.number, '', ''), source='webhook')"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", pay_without_broker], cwd=ROOT, check=True, capture_output=True,
        env={**worker_env, "REDIS_URL": "redis://127.0.0.1:1/0"},  # nothing listens: the broker is down
    )  # fmt: skip
    order = Order.objects.get(number=number)
    assert order.status == "paid"
    time.sleep(2)
    assert smtp_server.messages == [] and warehouse.requests == []
    assert OutboxEntry.objects.filter(order=order, status="pending").count() == 2

    wait_for(lambda: OutboxEntry.objects.filter(order=order, status="sent").count() == 2, sweep=True)  # the broker is back

    assert len(confirmations(smtp_server, order)) == 1
    assert list(warehouse.accepted) == [number]
