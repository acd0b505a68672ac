"""Several hosts, proven here without a Docker engine: docker-compose.yml's services run as it
says (each one's own command and environment, its env file tests/deploy/hosts.env) from the
image's virtualenv, on this machine's PostgreSQL and Redis, moto's S3 server, localstripe and a
local SMTP server. Two web hosts (own ports, own local folders), one worker, beat, and Debian's
Caddy with the compose Caddyfile in front of the first host.

A reader pays through one host and follows the order on the other; finance download from one
host a report the worker built; a cover uploaded on one host shows on the other under the
content security policy; Caddy redirects plain http, and rate limits see each reader's address.
"""

import os
import re
import signal
import socket
import ssl
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from base64 import b32decode
from urllib.parse import parse_qs, urlsplit

import mechanicalsoup
from PIL import Image
import psycopg
import pytest
import redis
import requests
import stripe
import yaml
from aiosmtpd.controller import Controller
from django_otp.oath import totp
from requests.adapters import HTTPAdapter

from tests.deploy import image
from tests.payments import CARDS, free_port, order_body
from tests.peers import Mailbox
from tests.production import generated_secrets

pytestmark = [pytest.mark.postgres, pytest.mark.deploy]
ROOT = image.ROOT
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def read_env_file(path: Path) -> dict[str, str]:
    """As compose reads an env_file: KEY=VALUE lines, comments and blank lines ignored."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


def interpolate(value, variables: dict[str, str]):
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, from the env file."""

    def substitute(match):
        name, operator, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        if operator == ":?" and not variables.get(name):
            raise AssertionError(f"compose would refuse: {argument}")
        return variables.get(name) or (argument if operator == ":-" else "")

    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^}]*))?\}", substitute, str(value))


@dataclass
class Host:
    """One service's process, as its container would run it."""

    name: str
    service: str
    folder: Path
    env: dict
    process: subprocess.Popen | None = None

    def start(self):
        command = [interpolate(word, self.env) for word in SERVICES[self.service]["command"]]
        self.process = subprocess.Popen(
            command, cwd=self.folder, env=self.env, start_new_session=True,
            stdout=(self.folder / "output.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def run(self, *command, timeout=120) -> subprocess.CompletedProcess:
        return subprocess.run(list(command), cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=timeout)

    def healthcheck(self) -> subprocess.CompletedProcess:
        kind, *command = SERVICES[self.service]["healthcheck"]["test"]
        assert kind == "CMD"
        return self.run(*command, timeout=60)

    def output(self) -> str:
        return (self.folder / "output.log").read_text()[-4000:]

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class FromAddress(HTTPAdapter):
    """Connects from a given loopback address, as a reader elsewhere would."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def reader_at(address: str, ca: Path) -> requests.Session:
    session = requests.Session()
    session.mount("https://", FromAddress(address))
    session.mount("http://", FromAddress(address))
    session.verify = str(ca)
    session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would win over session.verify
    return session


def wait_until(check, what: str, timeout: float = 90, hosts=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    logs = "\n".join(f"--- {host.name}\n{host.output()}" for host in hosts)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


@pytest.fixture
def deployment(built_image, tmp_path, localstripe_url, s3_server, s3_bucket):
    database = f"hosts_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    redis_db = 13
    redis.Redis(db=redis_db).flushdb()
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    https_port, http_port = free_port(), free_port()
    secrets = generated_secrets()
    values = {
        "https_port": https_port, "stripe": localstripe_url, "database": database, "redis_db": redis_db,
        "bucket": s3_bucket, "s3": s3_server, "smtp_port": smtp.port, **secrets,
    }  # fmt: skip
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / "tests" / "deploy" / "hosts.env").read_text().format(**values))
    file_values = read_env_file(env_file)
    app = image.final(built_image)
    image_env = {key: app.mapped(value) for key, value in app.env.items() if key != "VAR_DIR"}

    def app_host(name, service, **host_level):
        folder = tmp_path / name
        folder.mkdir()
        assert SERVICES[service]["env_file"] == [".env"]
        environment = {key: interpolate(value, file_values) for key, value in SERVICES[service]["environment"].items()}
        env = {
            "PATH": f"{app.venv / 'bin'}:/usr/bin:/bin", "HOME": str(folder), "VAR_DIR": str(folder / "var"),
            **image_env, **file_values, **environment, **host_level,
        }  # fmt: skip
        return Host(name, service, folder, env)

    web_ports = [free_port(), free_port()]
    hosts = {
        "web1": app_host("web1", "web", GUNICORN_BIND=f"127.0.0.1:{web_ports[0]}"),
        "web2": app_host("web2", "web", GUNICORN_BIND=f"127.0.0.1:{web_ports[1]}"),
        "worker": app_host("worker", "worker"),
        "beat": app_host("beat", "beat"),
    }
    caddy_folder = tmp_path / "caddy"
    caddy_folder.mkdir()
    caddyfile = next(volume.split(":")[0] for volume in SERVICES["caddy"]["volumes"] if volume.endswith("Caddyfile:ro"))
    caddy_env = {
        "PATH": "/usr/bin:/bin", "HOME": str(caddy_folder), "XDG_DATA_HOME": str(caddy_folder / "data"),
        "XDG_CONFIG_HOME": str(caddy_folder / "config"),
        **{key: interpolate(value, file_values) for key, value in SERVICES["caddy"]["environment"].items()},
        # The ports compose publishes, and the web host Caddy reaches as web:8000.
        "HTTP_PORT": str(http_port), "HTTPS_PORT": str(https_port), "UPSTREAM": f"127.0.0.1:{web_ports[0]}",
    }  # fmt: skip
    SERVICES["caddy"]["command"] = [word.replace("/etc/caddy/Caddyfile", str(ROOT / caddyfile)) for word in SERVICES["caddy"]["command"]]
    hosts["caddy"] = Host("caddy", "caddy", caddy_folder, caddy_env)

    migrate = app_host("migrate", "migrate")
    result = migrate.run(*SERVICES["migrate"]["command"])
    assert result.returncode == 0, result.stderr
    for host in hosts.values():
        host.start()
    try:
        yield Deployment(hosts, migrate, mailbox, https_port, http_port, web_ports, file_values, caddy_folder, localstripe_url)
    finally:
        for host in hosts.values():
            host.stop()
        smtp.stop()
        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        redis.Redis(db=redis_db).flushdb()


@dataclass
class Deployment:
    hosts: dict[str, Host]
    migrate: Host
    mailbox: Mailbox
    https_port: int
    http_port: int
    web_ports: list[int]
    env: dict
    caddy_folder: Path
    stripe: str

    @property
    def proxy(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def second_host(self) -> str:
        return f"http://127.0.0.1:{self.web_ports[1]}"

    @property
    def ca(self) -> Path:
        """Caddy's own certificate authority (CADDY_TLS=internal): its root and intermediate, as a bundle."""
        authority = self.caddy_folder / "data" / "caddy" / "pki" / "authorities" / "local"
        bundle = self.caddy_folder / "ca-bundle.pem"
        if not bundle.exists() and (authority / "intermediate.crt").exists():
            bundle.write_text((authority / "root.crt").read_text() + (authority / "intermediate.crt").read_text())
        return bundle

    def operator(self, script: str) -> str:
        """What an operator runs in the web container: `django-admin shell -c …`."""
        result = self.migrate.run("django-admin", "shell", "-c", script)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


SETUP = """
from decimal import Decimal
from datetime import date
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from catalogue import services
from catalogue.models import Publication, StockMovement
from shop.roles import STAFF
from django.contrib.auth import get_user_model
p = services.publication_save(publication=Publication(isbn="9781909029088", title="Patient-centred leadership",
    slug="patient-centred-leadership", summary="s", published=date(2024, 1, 1), pages=52, price=Decimal("8.50")))
services.stock_adjust(publication=p, delta=50, reason=StockMovement.Reason.GOODS_IN)
User = get_user_model()
staff = User.objects.create_user("sam", "sam@localhost", "a-long-staff-password", is_staff=True)
staff.groups.add(Group.objects.get(name=STAFF))
finance = User.objects.create_user("fiona", "fiona@localhost", "a-long-finance-password", is_staff=True)
finance.groups.add(Group.objects.get(name="Finance"))
print(Token.objects.create(user=finance).key)
"""


def test_two_hosts_a_worker_beat_and_caddy_run_as_compose_says(deployment, tmp_path):
    hosts = list(deployment.hosts.values())
    # Every service's own health check passes.
    for host in hosts:
        if "healthcheck" in SERVICES[host.service]:
            wait_until(lambda host=host: host.healthcheck().returncode == 0, f"{host.name}'s health check", hosts=hosts)
    wait_until(lambda: deployment.ca.exists(), "Caddy's certificate authority", hosts=hosts)
    reader = reader_at("127.0.0.2", deployment.ca)
    wait_until(lambda: _answers(reader, deployment.proxy + "/healthz"), "the shop through Caddy", hosts=hosts)
    finance_token = deployment.operator(SETUP)

    # Plain http is redirected to https by the proxy.
    plain = requests.get(f"http://localhost:{deployment.http_port}/publications/x/", allow_redirects=False, timeout=10)
    assert plain.status_code in (301, 308)
    redirected = urlsplit(plain.headers["Location"])  # to the https port compose publishes, 443
    assert (redirected.scheme, redirected.hostname, redirected.path) == ("https", "localhost", "/publications/x/")

    # A reader places and pays through the first host; the webhook reaches the second.
    requests.post(f"{deployment.stripe}/_config/webhooks/hosts", timeout=5, data={
        "url": f"{deployment.second_host}/api/payments/stripe/webhook/", "secret": deployment.env["STRIPE_WEBHOOK_SECRET"],
    }).raise_for_status()  # fmt: skip
    placed = reader.post(deployment.proxy + "/api/orders/", json=order_body(("9781909029088", 2)), timeout=30)
    assert placed.status_code == 201, placed.text
    number, status_url = placed.json()["number"], placed.json()["status_url"]
    assert status_url.startswith(deployment.env["SHOP_URL"])
    card = _card(deployment)
    token = status_url.split("token=")[1]
    paid = reader.post(f"{deployment.proxy}/api/orders/{number}/pay/", json={"payment_method": card, "token": token}, timeout=30)
    assert paid.status_code == 200, paid.text
    on_the_other_host = wait_until(
        lambda: _status(f"{deployment.second_host}/api/orders/{number}/?token={token}", among=("paid", "fulfilment_requested")),
        "the order paid, seen on the second host", hosts=hosts,
    )  # fmt: skip
    assert on_the_other_host in ("paid", "fulfilment_requested")
    wait_until(lambda: any(number in (m["Subject"] or "") for m in deployment.mailbox.messages), "the confirmation", hosts=hosts)

    # Finance ask the first host for a long report; the worker builds it; the second host hands it over.
    finance = reader_at("127.0.0.4", deployment.ca)
    finance.headers["Authorization"] = f"Token {finance_token}"
    today = date.today()
    asked = finance.get(deployment.proxy + "/api/reports/orders/", timeout=30,
                        params={"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()})  # fmt: skip
    assert asked.status_code == 202, asked.text
    report_email = wait_until(lambda: _message_to(deployment.mailbox, "fiona@localhost"), "the report's email", hosts=hosts)
    link = re.search(r"https?://\S+/api/reports/download/\S+", report_email.get_content()).group(0)
    path = link.removeprefix(deployment.env["SHOP_URL"])
    handed_over = requests.get(deployment.second_host + path, headers={"Authorization": f"Token {finance_token}"},
                               allow_redirects=False, timeout=30)  # fmt: skip
    assert handed_over.status_code == 302, handed_over.text
    assert handed_over.headers["Location"].startswith(f"{deployment.env['S3_ENDPOINT_URL']}/{deployment.env['S3_BUCKET']}/reports/")
    assert "X-Amz-Expires=60" in handed_over.headers["Location"]
    report = requests.get(handed_over.headers["Location"], timeout=30)
    assert report.status_code == 200 and number in report.text

    # Staff upload a cover on the first host; the second host's page shows it, under the policy.
    enrolled = deployment.migrate.run("django-admin", "otp_setup", "sam")  # as the README enrols staff
    secret = parse_qs(urlsplit(re.search(r"otpauth://\S+", enrolled.stdout).group(0)).query)["secret"][0]
    staff = mechanicalsoup.StatefulBrowser(session=reader_at("127.0.0.5", deployment.ca))
    staff.open(deployment.proxy + "/admin/login/")
    staff.select_form('form[id="login-form"]')
    staff["username"], staff["password"] = "sam", "a-long-staff-password"
    staff.submit_selected()  # DEBUG is off: the password alone opens nothing; the page asks for a code
    staff.select_form('form[id="login-form"]')
    staff["username"], staff["password"] = "sam", "a-long-staff-password"
    staff["otp_device"] = next(o["value"] for o in staff.page.select("#id_otp_device option") if o.text == "Authenticator app")
    staff["otp_token"] = f"{totp(b32decode(secret)):06d}"
    assert staff.submit_selected().url.rstrip("/").endswith("/admin")
    staff.open(deployment.proxy + "/admin/catalogue/publication/")
    staff.follow_link(link_text="Patient-centred leadership")
    staff.select_form('form[id="publication_form"]')
    cover = tmp_path / "cover.png"
    Image.new("RGB", (1, 1), "teal").save(cover)
    staff.form.set("cover", cover.open("rb"))
    saved = staff.submit_selected()
    assert saved.status_code == 200 and "was changed successfully" in saved.text, re.findall(r'class="errorlist[^>]*>.*?</ul>', saved.text, re.S)
    _page_shows_the_cover_under_the_policy(f"{deployment.second_host}/publications/patient-centred-leadership/", deployment)

    # Rate limits see the reader's address behind Caddy, not Caddy's.
    status = f"{deployment.proxy}/api/orders/{number}/?token={token}"
    answers = [reader.get(status, timeout=10).status_code for _ in range(7)]
    assert answers[:5] == [200] * 5 and answers[-1] == 429
    assert reader_at("127.0.0.3", deployment.ca).get(status, timeout=10).status_code == 200

    # Every link in every email starts with SHOP_URL.
    links = [
        url
        for message in deployment.mailbox.messages
        for part in message.walk() if part.get_content_type() in ("text/plain", "text/html")
        for url in re.findall(r"https?://[^\s\"'<>]+", part.get_content())
    ]  # fmt: skip
    assert len(deployment.mailbox.messages) >= 3 and links
    assert all(url.startswith(deployment.env["SHOP_URL"] + "/") for url in links), links


def _answers(session, url) -> bool:
    try:
        return session.get(url, timeout=5).status_code == 200
    except (requests.ConnectionError, ssl.SSLError, socket.error):
        return False


def _status(url, among) -> str:
    """The order's status, if it is one of `among`; else ""."""
    response = requests.get(url, timeout=10)
    status = response.json().get("status", "") if response.status_code == 200 else ""
    return status if status in among else ""


def _message_to(mailbox, address):
    return next((message for message in mailbox.messages if address in message["To"]), None)


def _card(deployment) -> str:
    client = stripe.StripeClient(deployment.env["STRIPE_SECRET_KEY"], base_addresses={"api": deployment.stripe})
    return client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": CARDS["visa"], "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    ).id


def _page_shows_the_cover_under_the_policy(url, deployment):
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM

    violations = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page()
        page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
        page.goto(url)
        cover = page.locator("img.cover")
        source = cover.get_attribute("src")
        page.wait_for_function("() => document.querySelector('img.cover').complete")
        width = cover.evaluate("image => image.naturalWidth")
        policy = page.evaluate("() => fetch(location.href).then(r => r.headers.get('content-security-policy'))")
        browser.close()
    assert source.startswith(f"{deployment.env['S3_ENDPOINT_URL']}/{deployment.env['S3_BUCKET']}/media/covers/")
    assert f"img-src 'self' data: {deployment.env['S3_ENDPOINT_URL']}" in policy
    assert width == 1, "the cover did not load"
    assert not violations, violations
