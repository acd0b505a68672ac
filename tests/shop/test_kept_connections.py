"""A kept PostgreSQL connection is checked before each request uses it (shop/postgresql/base.py):
without a round trip while the server has said nothing, replaced once the server has ended it."""

import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kept():
    """A connection of its own to the test database, as a process keeps one between requests."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def next_request(wrapper) -> str:
    """What a request that reads does: Django's start of a request (close_old_connections), then
    its query. The backend's pid that answered."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@contextmanager
def statements_sent(wrapper, path):
    """The statements the connection sends the server meanwhile, from libpq's record of every
    message (its trace, written to path): a list, filled in on leaving."""
    sent = []
    with open(path, "w") as trace:
        wrapper.connection.pgconn.trace(trace.fileno())
        try:
            yield sent
        finally:
            wrapper.connection.pgconn.untrace()
    for line in path.read_text().splitlines():
        _, direction, _, message, *text = line.split("\t")
        if direction == "F" and message in ("Query", "Parse"):
            sent.append(text[0])


def end_backend(pid: int) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} did not end")


def test_a_kept_connection_is_checked_without_a_round_trip_while_the_server_has_said_nothing(kept, tmp_path):
    first = next_request(kept)
    with statements_sent(kept, tmp_path / "trace") as sent:
        assert next_request(kept) == first
    assert sent == [' "SELECT pg_backend_pid()"']


def test_a_kept_connection_the_server_ended_is_replaced_before_the_request_uses_it(kept):
    ended = next_request(kept)
    end_backend(ended)
    assert next_request(kept) != ended  # no error: a new connection answered
    assert kept.errors_occurred is False


def test_a_kept_connection_that_received_a_notification_is_asked_whether_it_works_and_kept(kept, tmp_path):
    first = next_request(kept)
    with kept.cursor() as cursor:
        cursor.execute("LISTEN shop_test_channel")
    with psycopg.connect(**kept.get_connection_params(), autocommit=True) as other:
        other.execute("NOTIFY shop_test_channel")
    time.sleep(0.2)
    with statements_sent(kept, tmp_path / "trace") as sent:
        assert next_request(kept) == first
    assert sent == [' "SELECT 1"', ' "SELECT pg_backend_pid()"']
