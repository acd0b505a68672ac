"""Real peers for the tests: a local SMTP server (aiosmtpd), a local HTTP warehouse, and real
`celery worker` processes. Registered for every test folder by tests/conftest.py."""

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from orders import gateway, services
from orders.models import Order
from shop import signing
from shop.celery import app as celery_app
from tests.payments import free_port, order_body
from worker import tasks

WAREHOUSE_SECRET = "warehouse-test-secret"


class Mailbox:
    """An SMTP server's inbox; `refuse` makes it answer 451 (try later) that many times."""

    def __init__(self):
        self.messages = []
        self.peers = []  # each accepted message's client address and port: one per connection
        self.refuse = 0
        self.refused = 0
        self.restart = lambda: None  # set by the smtp_server fixture: the server stopped and started again

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.peers.append(session.peer)
        return "250 OK"

    def subjects(self):
        return [message["Subject"] for message in self.messages]


@pytest.fixture
def smtp_server(settings):
    mailbox, port = Mailbox(), free_port()
    controllers = [Controller(mailbox, hostname="127.0.0.1", port=port)]
    controllers[-1].start()

    def restart():  # a controller runs once: a new one on the same port
        controllers[-1].stop()
        controllers.append(Controller(mailbox, hostname="127.0.0.1", port=port))
        controllers[-1].start()

    mailbox.restart = restart
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controllers[-1].stop()


class Warehouse(ThreadingHTTPServer):
    """Answers fulfilment requests from a script of status codes (then 200), keeps what it got,
    and, like a real warehouse, accepts an Idempotency-Key once."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), WarehouseHandler)
        self.script: list[int] = []
        self.delay = 0.0
        self.before_answer = lambda: None  # something to do once a request is taken, before answering it
        self.arrived = 0  # requests that reached the handler, finished or not
        self.requests: list[dict] = []
        self.accepted: dict[str, dict] = {}

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/fulfilment"


class WarehouseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # connections kept between requests, as a real warehouse's are

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        warehouse = self.server
        warehouse.arrived += 1
        if warehouse.delay:
            threading.Event().wait(warehouse.delay)
        status = warehouse.script.pop(0) if warehouse.script else 200
        record = {"headers": dict(self.headers), "body": json.loads(body), "raw": body, "status": status, "client": self.client_address}
        warehouse.requests.append(record)
        if status == 200:
            warehouse.accepted.setdefault(self.headers["Idempotency-Key"], record)
        warehouse.before_answer()
        answer = b'{"ok": true}' if status == 200 else b'{"error": "no"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def warehouse(settings):
    server = Warehouse()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.FULFILMENT_BACKEND = "http"
    settings.FULFILMENT_URL = server.url
    settings.FULFILMENT_SECRET = WAREHOUSE_SECRET
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def paid_order(api, stripe_emulator, seed):
    """An order paid by card (the PaymentIntent's success applied as Stripe reports it)."""
    return pay_for(api, seed)


def pay_for(api, publication) -> Order:
    """Two copies of `publication` ordered and paid by card, as Stripe would report it."""
    response = api.post("/api/orders/", order_body((publication.isbn, 2)), format="json")
    order = Order.objects.get(number=response.data["number"])
    intent = gateway.Intent(
        id=order.payment_intent, status="succeeded", amount_pence=gateway.to_pence(order.total), currency="gbp",
        client_secret="", order_number=order.number, latest_charge="ch_test", error="",
    )  # fmt: skip
    services.payment_succeeded(intent=intent, source="test")
    order.refresh_from_db()
    assert order.total == Decimal("19.95")
    return order


def signed_dispatch(payload: dict, secret: str = WAREHOUSE_SECRET) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    return body, {signing.HEADER: signing.sign(body, secret)}


ROOT = Path(__file__).resolve().parents[1]


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


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server, a real process on a port of its own: the object store every host shares."""
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), timeout=30, interval=0.1)
    except AssertionError:
        process.kill()
        pytest.fail("moto's S3 server did not start")
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def _answers(url: str) -> bool:
    import requests

    try:
        requests.get(url, timeout=1)
        return True
    except requests.ConnectionError:
        return False


S3_KEYS = {"S3_ACCESS_KEY_ID": "moto-access-key", "S3_SECRET_ACCESS_KEY": "moto-secret-key", "S3_REGION": "eu-west-2"}


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the S3 server; its name."""
    import uuid

    import boto3

    name = f"shop-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name=S3_KEYS["S3_REGION"],
        aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"], aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": S3_KEYS["S3_REGION"]})
    client.put_bucket_policy(Bucket=name, Policy=json.dumps(public_media_policy(name)))
    return name


def public_media_policy(bucket: str) -> dict:
    """The bucket policy the README asks for: covers (media/) readable by anyone, reports not."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "CoversArePublic", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{bucket}/media/*"},
        ],
    }  # fmt: skip


@pytest.fixture
def s3_storage(settings, s3_server, s3_bucket):
    """Covers and reports in the object store, as settings.py sets them up from S3_BUCKET."""
    common = {
        "bucket_name": s3_bucket, "endpoint_url": s3_server, "region_name": S3_KEYS["S3_REGION"],
        "access_key": S3_KEYS["S3_ACCESS_KEY_ID"], "secret_key": S3_KEYS["S3_SECRET_ACCESS_KEY"],
        "addressing_style": "path", "signature_version": "s3v4", "file_overwrite": False, "default_acl": None,
    }  # fmt: skip
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**common, "location": "media", "querystring_auth": False}},
        "reports": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "reports", "querystring_auth": True, "querystring_expire": 60},
        },
    }
    return s3_bucket
