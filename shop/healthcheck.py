"""Container health checks (docker-compose.yml): `python -m shop.healthcheck web|worker|beat`.

Each reads what it needs from the container's environment and exits 0 when healthy:

- web: this host's gunicorn (GUNICORN_BIND) answers /healthz for the shop's own name (the
  first of ALLOWED_HOSTS, so the answer is not a 400) and reaches its database. The broker
  and beat, which /healthz also reports, are other containers' health: a monitor watches them.
- worker: this host's Celery worker answers a ping through the broker.
- beat: beat wrote its heartbeat file (BEAT_HEARTBEAT_FILE) within BEAT_STALE_SECONDS.
"""

import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def web() -> str:
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[1]
    hosts = [host for host in os.environ.get("ALLOWED_HOSTS", "localhost").split(",") if host.strip() not in ("", "*")]
    host = hosts[0].strip().lstrip(".") if hosts else "localhost"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:  # 503: something is down; is it this host's database?
        body = json.load(error)
    if body.get("database") != "ok":
        raise SystemExit(f"web: the database is {body.get('database')}")
    return f"web: ok ({body})"


def worker() -> str:
    from shop.celery import app

    name = os.environ.get("CELERY_WORKER_NAME") or f"celery@{socket.gethostname()}"
    if not app.control.ping(destination=[name], timeout=5):
        raise SystemExit(f"worker: {name} did not answer a ping")
    return f"worker: {name} answered"


def beat() -> str:
    import django
    from django.conf import settings

    django.setup()
    try:
        age = time.time() - settings.BEAT_HEARTBEAT_FILE.stat().st_mtime
    except FileNotFoundError:
        raise SystemExit(f"beat: no heartbeat at {settings.BEAT_HEARTBEAT_FILE}") from None
    if age > settings.BEAT_STALE_SECONDS:
        raise SystemExit(f"beat: last heartbeat {age:.0f} s ago")
    return f"beat: heartbeat {age:.0f} s ago"


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    checks = {"web": web, "worker": worker, "beat": beat}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        raise SystemExit(f"usage: python -m shop.healthcheck {'|'.join(checks)}")
    print(checks[sys.argv[1]]())
