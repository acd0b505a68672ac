"""Querysets turned into SQL once per process, then run with other values.

Building a queryset (resolving its expressions and joins, the model's default ordering) and
compiling it cost more than running it, for the few reads every reader's request makes: the
catalogue's detail took 1.2 ms to build and compile and 0.3 ms to run. A Prepared query is
built from placeholder values the first time it is used on a database, compiled, and the
positions of the placeholders among the SQL's parameters noted; later uses put their values in
those positions and run the same SQL as a RawQuerySet, which gives model instances with every
field's conversion from the database applied, as the queryset would have.

On PostgreSQL those queries bind their values on the server, so that psycopg prepares one it
has run DATABASE_PREPARE_THRESHOLD times on a connection: parsed and planned once. Only these
and others run in bound_on_the_server (a search's matches): the rest of the shop binds on the
client, where a statement has no limit of 65,535 values.
"""

from collections.abc import Callable
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


class Prepared:
    """`build(*values)` as SQL compiled once per database and number of values (a list of ids
    may have any length). `placeholder(index)` gives a value for each position that the field
    accepts and that no other parameter of the query equals (an id below zero, an ISBN no book
    has)."""

    def __init__(self, build: Callable[..., QuerySet], placeholder: Callable[[int], object]):
        self.build = build
        self.placeholder = placeholder
        self._compiled: dict[tuple[str, int], tuple[QuerySet, str, list, list[int]]] = {}

    def __call__(self, *values, using: str = DEFAULT_DB_ALIAS) -> list:
        compiled = self._compiled.get((using, len(values))) or self._compile(using, len(values))
        queryset, sql, params, positions = compiled
        params = list(params)
        for position, value in zip(positions, values):
            params[position] = value
        with bound_on_the_server(connections[using]):
            return list(queryset.model.objects.raw(sql, params, using=using))

    def _compile(self, using: str, count: int):
        placeholders = [self.placeholder(index) for index in range(count)]
        queryset = self.build(*placeholders).using(using)
        sql, params = queryset.query.sql_with_params()
        params = list(params)
        positions = [params.index(placeholder) for placeholder in placeholders]
        if len(positions) != len(set(positions)) or any(params.count(p) != 1 for p in placeholders):
            raise ValueError(f"each value must be one parameter of the query: {sql}")
        self._compiled[(using, count)] = compiled = (queryset, sql, params, positions)
        return compiled


@contextmanager
def bound_on_the_server(connection):
    """On PostgreSQL, this block's queries bind their values on the server (at most 65,535 a
    statement), and one run DATABASE_PREPARE_THRESHOLD times on the connection is prepared."""
    threshold = settings.DATABASE_PREPARE_THRESHOLD
    if connection.vendor != "postgresql" or threshold <= 0:
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    psycopg_connection = connection.connection
    saved = psycopg_connection.cursor_factory, psycopg_connection.prepare_threshold
    psycopg_connection.cursor_factory, psycopg_connection.prepare_threshold = ServerBindingCursor, threshold
    try:
        yield
    finally:
        psycopg_connection.cursor_factory, psycopg_connection.prepare_threshold = saved
