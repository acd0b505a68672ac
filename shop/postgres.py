"""What the backup and restore commands need to reach PostgreSQL with its own client tools."""

import os
import subprocess
from urllib.parse import quote

from django.core.management.base import CommandError


def require_postgres(connection) -> None:
    if connection.vendor != "postgresql":
        raise CommandError(f"Backups are for PostgreSQL; this database is {connection.vendor} (copy the file instead).")


def client_env(settings_dict: dict) -> dict:
    """pg_dump and pg_restore read where to connect from the environment (libpq's PG* variables)."""
    values = {
        "PGHOST": settings_dict.get("HOST") or "",
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": settings_dict.get("USER") or "",
        "PGPASSWORD": settings_dict.get("PASSWORD") or "",
    }
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def url_for(settings_dict: dict, database: str) -> str:
    """A DATABASE_URL for another database on the same server, as the same user."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{settings_dict.get('HOST') or ''}{port}/{database}"


def run_client(command: list[str], env: dict, what: str) -> None:
    """Run one of PostgreSQL's client tools; its own error, named, if it fails."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise CommandError(f"{what} failed: {result.stderr.strip()}")


def dump(settings_dict: dict, output: str) -> None:
    """The database to `output` in pg_dump's custom format (pg_restore reads it)."""
    run_client(["pg_dump", "--format=custom", "--no-owner", "--file", output, settings_dict["NAME"]], client_env(settings_dict), "pg_dump")
