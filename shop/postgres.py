"""What the backup and restore commands need to reach PostgreSQL with its own client tools."""

import os
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
