"""Prove a backup restores: dump the database (or take a dump), restore it into a fresh
database, run check_books on the copy, then drop the copy."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from shop.postgres import client_env, dump, require_postgres, run_client, url_for


class Command(BaseCommand):
    help = (
        "Restore a dump of the database (a fresh one from pg_dump, or --dump FILE) into a new "
        "database on the same server, run check_books on that copy, and drop it. Exits non-zero "
        "if the restore fails or the restored books do not balance."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dump", dest="dump_file", help="A pg_dump --format=custom file (default: dump the database now).")
        parser.add_argument("--keep", action="store_true", help="Keep the restored copy for a look.")

    def handle(self, *args, dump_file, keep, **options):
        require_postgres(connection)
        source = connection.settings_dict
        copy = f"{source['NAME']}_restore_drill_{int(time.time())}"
        env = client_env(source)
        with tempfile.TemporaryDirectory() as folder:
            if not dump_file:
                dump_file = str(Path(folder) / "shop.dump")
                dump(source, dump_file)
                self.stdout.write(f"Dumped {source['NAME']} ({Path(dump_file).stat().st_size:,} bytes)")
            admin = psycopg.connect(url_for(source, "postgres"), autocommit=True)
            admin.execute(f'CREATE DATABASE "{copy}"')
            try:
                started = time.monotonic()
                run_client(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", copy, dump_file], env, "pg_restore")
                self.stdout.write(f"Restored into {copy} in {time.monotonic() - started:.1f} s")
                books = subprocess.run(
                    [sys.executable, "-m", "django", "check_books"],
                    env={**os.environ, "DATABASE_URL": url_for(source, copy)}, capture_output=True, text=True,
                )  # fmt: skip
                self.stdout.write(books.stdout.rstrip())
                if books.returncode:
                    raise CommandError(f"check_books on the restored copy failed:\n{books.stderr.strip()}")
            finally:
                if not keep:
                    admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
                admin.close()
        self.stdout.write(self.style.SUCCESS(f"Restore drill passed: the copy restored and its books balance{f' (kept as {copy})' if keep else ''}."))
