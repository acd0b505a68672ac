"""What the benchmarks share: a production-like environment on PostgreSQL and Redis, its
database prepared with the demo catalogue, and gunicorn with the production configuration."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Made afresh for each run: the shop refuses to start with DEBUG off on any published secret.
SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "STRIPE_SECRET_KEY": "sk_test_" + secrets.token_hex(24),
    "STRIPE_PUBLISHABLE_KEY": "pk_test_" + secrets.token_hex(24),
    "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(24),
    "FULFILMENT_SECRET": secrets.token_urlsafe(40),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def production_env(*, web_port: int, database_url: str | None = None, **extra: str) -> dict:
    """DEBUG off on database_url or BENCH_DATABASE_URL (created if missing) and BENCH_REDIS_URL,
    serving on web_port."""
    database_url = database_url or os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    ensure_database(database_url)
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "DEBUG": "false",
        **SECRETS,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "GUNICORN_ACCESSLOG": "",
        "VAR_DIR": str(ROOT / "var" / "bench"),
        # Every simulated client comes from 127.0.0.1: no per-address limits in a benchmark.
        "ORDER_RATE": "1000000/m",
        "HOLD_MAX_COPIES_PER_BUYER": "1000000",
        "PAY_RATE": "1000000/m",
        "STATUS_RATE": "1000000/m",
        **extra,
    }


def peers_env(web_port: int, smtp_port, warehouse_port, **extra: str) -> dict:
    """production_env with a local SMTP server and HTTP warehouse as the shop's (both sign
    with SECRETS, as production_env sets them)."""
    return production_env(
        web_port=web_port,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        FULFILMENT_BACKEND="http",
        FULFILMENT_URL=f"http://127.0.0.1:{warehouse_port}/",
        LOG_LEVEL="WARNING",
        **extra,
    )


def manage(env: dict, *args: str, capture: bool = False) -> str:
    """Run a management command; with capture, its last line of output."""
    output = {"capture_output": True} if capture else {"stdout": subprocess.DEVNULL}
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, **output)
    return result.stdout.strip().splitlines()[-1] if capture else ""


def prepare_database(env: dict) -> None:
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo_catalogue")


# A production database's autovacuum keeps the planner's statistics and the indexes up to date;
# a bench's freshly loaded rows have none of that until it runs (and some machines run
# PostgreSQL with autovacuum off). Without statistics the planner guesses. Its checkpoints have
# long since written out what was loaded; a bench's would otherwise write the load's (and the
# vacuum's) pages out during its first measurements, on the cores the shop is measured on.
VACUUM = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE")
    cursor.execute("CHECKPOINT")
"""


def vacuum(env: dict) -> None:
    """What autovacuum would have done by now to the bench's database."""
    manage(env, "shell", "-c", VACUUM)


def start(command: list[str], env: dict | None = None) -> subprocess.Popen:
    """The command running in its own process group, its errors written to a file of its own
    (errors_of): a pipe nobody reads fills at 64 KB, and a process logging into it then stops
    (gunicorn's workers, logging every Stripe call that failed, stopped the checkout bench)."""
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
    process.errors = errors
    return process


def errors_of(process: subprocess.Popen) -> str:
    """What a process started by start() has written to its standard error, the last 20,000 characters."""
    process.errors.seek(0)
    return process.errors.read().decode(errors="replace")[-20_000:]


def start_gunicorn(env: dict) -> subprocess.Popen:
    return start([PYTHON, "-m", "gunicorn", "-c", "python:shop.gunicorn", "shop.wsgi"], env)


def wait_for(url: str, process: subprocess.Popen, where_to_look: str = "") -> None:
    """Until url answers; if the process dies first, exit with its output (or where_to_look for it)."""
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if process.poll() is not None:
                sys.exit(f"{process.args} did not start: " + (where_to_look or errors_of(process)))
            time.sleep(0.2)
    sys.exit(f"{url} did not answer")


def stop(*processes: subprocess.Popen) -> None:
    """Each process group asked to stop (woken first, should a fault drill have paused it), then
    killed if it has not gone in 30 s."""
    for process in processes:
        os.killpg(process.pid, signal.SIGCONT)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
