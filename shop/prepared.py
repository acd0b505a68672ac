"""Querysets turned into SQL once per process, then run with other values.

Building a queryset (resolving its expressions and joins, the model's default ordering) and
compiling it cost more than running it, for the few reads every reader's request makes: the
catalogue's detail took 1.2 ms to build and compile and 0.3 ms to run. A Prepared query is
built from placeholder values the first time it is used on a database, compiled, and the
positions of the placeholders among the SQL's parameters noted; later uses put their values in
those positions and run the same SQL. Its rows become model instances as a RawQuerySet makes
them (every field's conversion from the database applied, as the queryset would have), by a
plan worked out from the first result's columns: a RawQuerySet works it out again for every
query, a sixth of reading a page of 20 publications.

On PostgreSQL those queries bind their values on the server, so that psycopg prepares one it
has run DATABASE_PREPARE_THRESHOLD times on a connection: parsed and planned once. Only these
and others run in bound_on_the_server (a search's matches): the rest of the shop binds on the
client, where a statement has no limit of 65,535 values.
"""

from collections.abc import Callable
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init


class Prepared:
    """`build(*values)` as SQL compiled once per database and number of values (a list of ids
    may have any length). `placeholder(index)` gives a value for each position that the field
    accepts and that no other parameter of the query equals (an id below zero, an ISBN no book
    has); a value may be used in several places (a search's words, matched and ranked). Calling
    it gives model instances; rows() gives the rows as the database gave them (a values_list
    query's)."""

    def __init__(self, build: Callable[..., QuerySet], placeholder: Callable[[int], object]):
        self.build = build
        self.placeholder = placeholder
        self._compiled: dict[tuple[str, int], _Compiled] = {}

    def __call__(self, *values, using: str = DEFAULT_DB_ALIAS) -> list:
        compiled, rows, description = self._run(values, using)
        connection = connections[using]
        plan = compiled.plan or compiled.plan_for(description, connection)
        return plan.instances(rows, connection)

    def rows(self, *values, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        return self._run(values, using)[1]

    def _run(self, values, using: str):
        compiled = self._compiled.get((using, len(values))) or self._compile(using, len(values))
        connection = connections[using]
        params = list(compiled.params)
        for positions, value in zip(compiled.positions, values):
            for position in positions:
                params[position] = connection.ops.adapt_unknown_value(value)  # as a RawQuery adapts its values
        with bound_on_the_server(connection), connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return compiled, cursor.fetchall(), cursor.description

    def _compile(self, using: str, count: int) -> "_Compiled":
        placeholders = [self.placeholder(index) for index in range(count)]
        if len(set(placeholders)) != count:
            raise ValueError("each value needs a placeholder of its own")
        queryset = self.build(*placeholders).using(using)
        sql, params = queryset.query.sql_with_params()
        params = list(params)
        positions = [[at for at, param in enumerate(params) if param == placeholder] for placeholder in placeholders]
        if not all(positions):
            raise ValueError(f"each value must be a parameter of the query: {sql}")
        self._compiled[(using, count)] = compiled = _Compiled(queryset.model, sql, params, positions)
        return compiled


class _Compiled:
    def __init__(self, model, sql: str, params: list, positions: list[list[int]]):
        self.model, self.sql, self.params, self.positions = model, sql, params, positions
        self.plan: _Plan | None = None

    def plan_for(self, description, connection) -> "_Plan":
        self.plan = _Plan(self.model, description, connection)
        return self.plan


# Descriptors that store a value set on a new instance as it is, in the instance's __dict__ (an
# image's updates its dimensions only when it replaces a file the instance had).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor, ImageFileDescriptor)


class _Plan:
    """How rows with these columns become instances of `model`, as RawModelIterable makes them:
    the model's fields in the model's order (the primary key among them), each converted from
    the database by its converters; any other column an attribute, as the database gave it.

    Model.from_db makes each instance through Model.__init__, which walks all the model's fields
    and sends pre_init and post_init: 20 instances were a tenth of an uncached page of the list.
    Where the model makes its instances as Model does (neither __init__ nor from_db its own),
    each field read is stored as Model.__init__ stores it (a plain descriptor) and nothing
    listens to those signals, an instance is made as they would leave it: its state loaded
    from `db`, the fields read set, the others deferred (unset: loaded when used)."""

    def __init__(self, model, description, connection):
        converter = connection.introspection.identifier_converter
        columns = [converter(column[0]) for column in description]
        fields = {converter(field.column): field for field in model._meta.fields}
        init_fields = [field for field in model._meta.fields if converter(field.column) in columns]
        if model._meta.pk not in init_fields:
            raise ValueError("a prepared query must read the primary key")
        self.model = model
        self.names = [field.attname for field in init_fields]
        self.positions = [columns.index(converter(field.column)) for field in init_fields]
        self.annotations = [(column, position) for position, column in enumerate(columns) if column not in fields]
        compiler = connection.ops.compiler("SQLCompiler")(None, connection, connection.alias)
        cols = [fields[column].get_col(model._meta.db_table) if column in fields else None for column in columns]
        self.converters = [(position, converters, col) for position, (converters, col) in compiler.get_converters(cols).items()]
        self.as_model_makes_them = (
            model.__init__ is Model.__init__
            and model.from_db.__func__ is Model.from_db.__func__
            and all(type(model.__dict__.get(name)) in _PLAIN_DESCRIPTORS for name in self.names)
        )

    def instances(self, rows, connection) -> list:
        made, db = [], connection.alias
        direct = self.as_model_makes_them and not pre_init.has_listeners(self.model) and not post_init.has_listeners(self.model)
        for row in rows:
            if self.converters:
                row = list(row)
                for position, converters, col in self.converters:
                    value = row[position]
                    for convert in converters:
                        value = convert(value, col, connection)
                    row[position] = value
            if direct:
                instance = Model.__new__(self.model)
                instance._state = state = ModelState()
                state.adding, state.db = False, db
                instance.__dict__.update(zip(self.names, [row[position] for position in self.positions]))
            else:
                instance = self.model.from_db(db, self.names, [row[position] for position in self.positions])
            for column, position in self.annotations:
                setattr(instance, column, row[position])
            made.append(instance)
        return made


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
