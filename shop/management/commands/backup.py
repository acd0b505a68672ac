"""Dump the shop's PostgreSQL database to a file (pg_dump's custom format)."""

from django.core.management.base import BaseCommand
from django.db import connection

from shop.postgres import dump, require_postgres


class Command(BaseCommand):
    help = "Dump the database (DATABASE_URL) to FILE with pg_dump --format=custom; restore with pg_restore."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, help="The dump file to write.")

    def handle(self, *args, output, **options):
        require_postgres(connection)
        dump(connection.settings_dict, output)
        self.stdout.write(f"Database {connection.settings_dict['NAME']} dumped to {output}")
