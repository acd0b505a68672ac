"""Test set-up shared by every app's tests."""

import logging
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from rest_framework.test import APIClient

from catalogue import cache as catalogue_cache
from shop import monitoring

pytest_plugins = ["tests.payments", "tests.peers"]


def pytest_configure(config):
    _scan_every_log_line(config)
    # Without Redis, tasks the code under test publishes go to Celery's in-memory transport
    # (no worker runs); the outbox tests drive the worker's service themselves. With Redis, the
    # real-worker tests start `celery worker` processes against it.
    if not os.environ.get("REDIS_URL"):
        from shop.celery import app

        app.conf.broker_url = "memory://"
        app.conf.broker_transport_options = {}


# Every log record of the whole run goes through the production handler's filters and JSON
# formatter into one file; at the end the file is searched for anything a log must never show.
LEAKS = re.compile(
    r"token=(?!\[redacted\])[A-Za-z0-9_-]{6,}|_secret_(?!\[redacted\])[A-Za-z0-9]{4,}"
    r"|\b[sr]k_(?:test|live)_(?!\[redacted\])[A-Za-z0-9]{4,}|whsec_(?!\[redacted\])[A-Za-z0-9]{4,}"
    r"|4242 ?4242 ?4242 ?4242|4000 ?0000 ?0000 ?0341"
)


def _scan_every_log_line(config):
    from pythonjsonlogger.json import JsonFormatter

    spec = django_settings.LOGGING["formatters"]["json"]
    path = Path(str(config.rootpath)) / "var" / f"test-logs-{os.getpid()}.jsonl"
    path.parent.mkdir(exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"]))
    [console] = [each for each in logging.getLogger().handlers if each.name == "console"]
    for each in console.filters:  # the production handler's own filters: a filter dropped from LOGGING shows here
        handler.addFilter(each)
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    config._log_scan = (handler, path)


def pytest_sessionfinish(session, exitstatus):
    handler, path = getattr(session.config, "_log_scan", (None, None))
    if handler is None:
        return
    handler.close()
    leaks = [line for line in path.read_text(encoding="utf-8").splitlines() if LEAKS.search(line)]
    if leaks:
        session.config.get_terminal_writer().line(
            f"{len(leaks)} log line(s) show a secret, a token or a card number ({path}):\n" + "\n".join(leaks[:5]), red=True
        )
        session.exitstatus = 1
    else:
        path.unlink()


def pytest_collection_modifyitems(config, items):
    on_postgres = "postgresql" in django_settings.DATABASES["default"]["ENGINE"]
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (.ci/run does)")
    for item in items:
        if (item.get_closest_marker("postgres") or item.get_closest_marker("deploy")) and not on_postgres:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Fast hashing, a fresh cache per test so one test's rate limits never reach another, and
    the catalogue cache on as in production."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CATALOGUE_CACHE_SECONDS = 300
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"{tmp_path}-shared"},
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"{tmp_path}-local"},
    }
    # A fresh shared cache has no catalogue version yet: this process must not go on using the
    # last test's for up to CATALOGUE_VERSION_CHECK_SECONDS (a version changing mid-test).
    catalogue_cache._version.checked_at = float("-inf")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BEAT_HEARTBEAT_FILE = tmp_path / "beat-heartbeat"
    # Unpaid orders may hold a whole title here, as the tests of stock and payments expect;
    # tests/orders/test_hold_policy.py sets the production share.
    settings.HOLD_MAX_SHARE = 1.0
    # Tests sign staff in with force_login; tests/shop/test_second_factor.py asks for the code.
    settings.ADMIN_REQUIRES_OTP = False
    # Beat is ticking, as on any shop that is up (tests of a stale beat say otherwise).
    caches["default"].set(monitoring.HEARTBEAT_KEY, time.time(), timeout=None)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def redis_out_of_reach(settings):
    """The shared cache is django-redis, as in production, at an address where nothing listens."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
    }
