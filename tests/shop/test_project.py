"""The project's plumbing: health check, production settings, compose file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kombu import Connection

from shop.celery import app as celery_app
from shop.csp import content_security_policy

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "beat": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_naming_an_unreachable_broker(client, monkeypatch):
    nothing_listens_here = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(celery_app, "connection_for_write", lambda: Connection(nothing_listens_here, connect_timeout=1))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
    assert response.json()["database"] == "ok"


@pytest.mark.parametrize(
    "email_url, folder",
    [(None, str(ROOT / "var" / "mail")), ("filemail:///srv/shop-mail", "/srv/shop-mail")],
)
def test_file_email_goes_to_the_named_absolute_folder(email_url, folder):
    env = {"EMAIL_URL": email_url} if email_url else {}
    if email_url is None:
        env["VAR_DIR"] = str(ROOT / "var")
    result = manage("shell", "-c", "from django.conf import settings; print(settings.EMAIL_FILE_PATH)", env=env)

    assert result.stdout.strip().splitlines()[-1] == folder


def test_an_email_provider_is_chosen_with_its_credentials_from_the_environment():
    env = {"EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend", "ANYMAIL_POSTMARK_SERVER_TOKEN": "token-123"}

    result = manage("shell", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.ANYMAIL)", env=env)

    assert result.stdout.strip().splitlines()[-1] == "anymail.backends.postmark.EmailBackend {'POSTMARK_SERVER_TOKEN': 'token-123'}"


@pytest.mark.parametrize("path, content_type", [("/api/orders/", "application/json"), ("/basket/", "text/html; charset=utf-8")])
def test_the_database_out_of_reach_is_a_503_to_try_again_not_a_500(path, content_type, rf):
    from django.db import OperationalError

    from shop.views import server_error

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.post(path))

    assert (response.status_code, response["Retry-After"], response["Content-Type"]) == (503, "5", content_type)


def test_any_other_failure_is_a_500_that_says_nothing_of_its_cause(rf):
    from shop.views import server_error

    try:
        raise KeyError("internal detail")
    except KeyError:
        response = server_error(rf.get("/api/publications/"))

    assert response.status_code == 500 and b"internal detail" not in response.content


def _policy_served(client) -> dict:
    header = client.get("/basket/")["Content-Security-Policy"]
    return dict(directive.strip().split(" ", 1) for directive in header.split(";"))


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_that_admits_stripe_js_and_nothing_else(client, settings):
    settings.CONTENT_SECURITY_POLICY = content_security_policy(
        stripe_js_url="https://js.stripe.com/v3/", stripe_api_base="https://api.stripe.com"
    )

    policy = _policy_served(client)

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self' https://js.stripe.com https://*.js.stripe.com"
    assert policy["frame-src"] == "https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com"
    assert policy["connect-src"] == "'self' https://api.stripe.com"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in str(policy)


def test_the_json_api_carries_no_policy(client):
    assert "Content-Security-Policy" not in client.get("/api/schema/")


@pytest.mark.django_db
def test_the_policy_is_built_once_for_every_page_and_not_at_all_for_json(client, monkeypatch, settings):
    import csp.middleware
    import csp.utils

    import shop.csp

    built = []

    def counted(*args, **kwargs):
        built.append(kwargs.get("report_only", False))
        return csp.utils.build_policy(*args, **kwargs)

    monkeypatch.setattr(csp.middleware, "build_policy", counted)  # django-csp's own middleware
    monkeypatch.setattr(shop.csp, "build_policy", counted, raising=False)
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY}  # a policy not built yet

    pages = [client.get(path) for path in ("/basket/", "/", "/basket/")]
    json = [client.get(path) for path in ("/api/publications/", "/api/delivery-methods/")]

    assert len({page["Content-Security-Policy"] for page in pages}) == 1
    assert not any("Content-Security-Policy" in answer for answer in json)
    assert built == [False]


@pytest.mark.django_db
def test_by_default_the_policy_admits_localstripes_stripe_js_instead(client):
    policy = _policy_served(client)

    assert policy["script-src"] == "'self' http://127.0.0.1:8420"
    assert "https://js.stripe.com" not in str(policy)


def test_loading_the_wsgi_application_compiles_the_email_validators_expressions_for_every_worker_it_forks():
    checked = (
        "import shop.wsgi; from django.core.validators import EmailValidator; from django.utils.functional import empty;"
        "print(all(pattern._wrapped is not empty for pattern in (EmailValidator.user_regex, EmailValidator.domain_regex)))"
    )
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}, "DEBUG": "true"}

    loaded = subprocess.run([sys.executable, "-c", checked], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert loaded.stdout.strip() == "True", loaded.stderr
