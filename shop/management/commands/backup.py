"""Dump the shop's PostgreSQL database to a file (pg_dump's custom format)."""

import subprocess

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from shop.postgres import client_env, require_postgres


class Command(BaseCommand):
    help = "Dump the database (DATABASE_URL) to FILE with pg_dump --format=custom; restore with pg_restore."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, help="The dump file to write.")

    def handle(self, *args, output, **options):
        require_postgres(connection)
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", output, connection.settings_dict["NAME"]],
            env=client_env(connection.settings_dict), capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        self.stdout.write(f"Database {connection.settings_dict['NAME']} dumped to {output}")
