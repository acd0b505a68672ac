"""Knowing when something is wrong: beat's heartbeat in /healthz, staff alerts, errors to Sentry."""

import gzip
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest
from django.core.cache import cache

from orders import gateway, services
from orders.models import OutboxEntry
from shop import monitoring
from shop.celery import app as celery_app
from worker import services as worker_services

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_a_stale_beat(client, settings):
    cache.set(monitoring.HEARTBEAT_KEY, time.time() - settings.BEAT_STALE_SECONDS - 1, timeout=None)

    response = client.get("/healthz")

    # This host still serves (a load balancer keeps it); a monitor sees "degraded" and "stale".
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "ok", "beat": "stale"}


@pytest.mark.django_db
def test_healthz_reports_beat_missing_when_it_never_ticked(client):
    cache.delete(monitoring.HEARTBEAT_KEY)

    response = client.get("/healthz")

    assert (response.status_code, response.json()["status"], response.json()["beat"]) == (200, "degraded", "missing")


@pytest.mark.django_db
def test_healthz_is_ok_while_beat_ticks(client):
    monitoring.heartbeat_record()

    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok", "broker": "ok", "beat": "ok"})


def test_beats_scheduler_records_a_heartbeat_as_it_ticks(settings, tmp_path):
    cache.delete(monitoring.HEARTBEAT_KEY)
    scheduler = monitoring.HeartbeatScheduler(app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    scheduler.setup_schedule()

    interval = scheduler.tick()

    assert monitoring.beat_state() == "ok"
    assert abs(float(settings.BEAT_HEARTBEAT_FILE.read_text()) - time.time()) < 5
    assert interval <= settings.BEAT_HEARTBEAT_SECONDS


def test_the_beat_healthcheck_fails_on_a_stale_heartbeat_file(settings, tmp_path):
    heartbeat = tmp_path / "beat-heartbeat"
    heartbeat.write_text("0\n")
    os.utime(heartbeat, (time.time() - 600, time.time() - 600))
    env = {**os.environ, "BEAT_HEARTBEAT_FILE": str(heartbeat), "BEAT_STALE_SECONDS": "120", "VAR_DIR": str(tmp_path)}

    stale = subprocess.run([sys.executable, "-m", "shop.healthcheck", "beat"], cwd=ROOT, env=env, capture_output=True, text=True)
    os.utime(heartbeat)
    fresh = subprocess.run([sys.executable, "-m", "shop.healthcheck", "beat"], cwd=ROOT, env=env, capture_output=True, text=True)

    assert stale.returncode == 1 and re.search(r"beat: last heartbeat 60\d s ago", stale.stderr)
    assert fresh.returncode == 0, fresh.stderr


# --- Staff are told --------------------------------------------------------------------------

@pytest.mark.django_db
def test_staff_are_emailed_when_the_outbox_gives_up_on_an_entry(paid_order, warehouse, smtp_server, settings):
    settings.STAFF_EMAILS = ["ops@example.org", "staff@example.org"]
    warehouse.script = [400]
    worker_services.outbox_process(OutboxEntry.objects.get(order=paid_order, kind="fulfilment").pk)

    [alert] = OutboxEntry.objects.filter(order=paid_order, kind="staff_alert")
    assert worker_services.outbox_process(alert.pk) == "sent"

    [message] = smtp_server.messages
    assert message["Subject"] == f"Order {paid_order.number} needs attention"
    assert message["To"] == "ops@example.org, staff@example.org"
    body = message.get_content()
    assert "Fulfilment request to the warehouse failed: warehouse answered 400" in body
    assert f"{settings.SHOP_URL}/admin/orders/order/{paid_order.pk}/change/" in body


@pytest.mark.django_db
def test_staff_are_emailed_when_reconciliation_finds_a_payment_the_shop_did_not_expect(api, seed, stripe_emulator, smtp_server):
    from tests.payments import order_body

    number = api.post("/api/orders/", order_body((seed.isbn, 2)), format="json").data["number"]
    order = services.Order.objects.get(number=number)
    unexpected = gateway.Intent(
        id=order.payment_intent, status="succeeded", amount_pence=100, currency="gbp",
        client_secret="", order_number=number, latest_charge="ch_test", error="",
    )  # fmt: skip

    services.payment_succeeded(intent=unexpected, source="reconciliation")
    [alert] = OutboxEntry.objects.filter(order=order, kind="staff_alert")
    worker_services.outbox_process(alert.pk)

    order.refresh_from_db()
    assert order.status == "pending_payment" and order.needs_attention
    [message] = smtp_server.messages
    assert message["Subject"] == f"Order {number} needs attention"
    assert "Stripe reports 100 gbp paid" in message.get_content()


@pytest.mark.django_db
def test_a_staff_alert_that_cannot_be_sent_raises_no_alert_about_itself(paid_order, warehouse, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    warehouse.script = [400]
    worker_services.outbox_process(OutboxEntry.objects.get(order=paid_order, kind="fulfilment").pk)

    worker_services.outbox_process(OutboxEntry.objects.get(order=paid_order, kind="staff_alert").pk)

    assert list(OutboxEntry.objects.filter(order=paid_order, kind="staff_alert").values_list("status", flat=True)) == ["failed"]


# --- Errors to Sentry ------------------------------------------------------------------------

class SentryInbox(ThreadingHTTPServer):
    """A local server speaking Sentry's ingestion protocol: it keeps every envelope it is sent."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SentryHandler)
        self.envelopes: list[bytes] = []


class SentryHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        self.server.envelopes.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_inbox():
    server = SentryInbox()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_errors_reach_sentry_masked_like_the_logs(sentry_inbox, tmp_path):
    port = sentry_inbox.server_address[1]
    crash = (
        "import logging\n"
        "try:\n"
        "    raise ValueError('paying PS-ABCD-2345 with 4242 4242 4242 4242 by sk_live_abcdef123456 token=s3cr3t-t0ken')\n"
        "except ValueError:\n"
        "    logging.getLogger('orders').exception('Payment failed: token=s3cr3t-t0ken, pi_123_secret_abc')\n"
    )
    env = {**os.environ, "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1", "VAR_DIR": str(tmp_path)}

    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", crash], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for envelope in sentry_inbox.envelopes for line in envelope.splitlines()[2::2]]
    assert events, "no event reached the Sentry server"
    sent = json.dumps(events)
    assert "Payment failed" in sent and "ValueError" in sent
    for secret in ("s3cr3t-t0ken", "4242 4242 4242 4242", "abcdef123456", "secret_abc"):
        assert secret not in sent, secret
    assert "[redacted]" in sent and "[card number]" in sent
