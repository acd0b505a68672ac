"""Backups that restore: `backup` dumps the database; `restore_drill` restores a dump into a fresh
database and runs check_books on the copy (PostgreSQL, as in production)."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from catalogue.models import Publication
from orders.models import OutboxEntry
from worker import services as worker_services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def manage(*args):
    settings = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
    }
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def databases() -> set[str]:
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres") as admin:
        return {name for (name,) in admin.execute("SELECT datname FROM pg_database")}


@pytest.fixture
def shop_with_a_sent_paid_order(paid_order, smtp_server, warehouse):
    for entry in OutboxEntry.objects.filter(order=paid_order):
        worker_services.outbox_process(entry.pk)
    return paid_order


def test_the_restore_drill_restores_a_fresh_dump_and_finds_the_books_balanced(shop_with_a_sent_paid_order):
    before = databases()

    drill = manage("restore_drill")

    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "Restored into" in drill.stdout and "The books balance" in drill.stdout
    assert "Restore drill passed" in drill.stdout
    assert databases() == before  # the copy is dropped


def test_the_restore_drill_fails_naming_the_problem_when_the_restored_books_do_not_balance(shop_with_a_sent_paid_order):
    Publication.objects.update(stock=999)  # stock no longer equals its ledger

    drill = manage("restore_drill")

    assert drill.returncode != 0
    assert "check_books on the restored copy failed" in drill.stderr
    assert "stock is 999 but the ledger adds up to 48" in drill.stdout


def test_a_backup_file_restores_through_the_drill(shop_with_a_sent_paid_order, tmp_path):
    dump = tmp_path / "shop.dump"

    backup = manage("backup", "--output", str(dump))
    drill = manage("restore_drill", "--dump", str(dump))

    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 10_000
    assert drill.returncode == 0, drill.stdout + drill.stderr
