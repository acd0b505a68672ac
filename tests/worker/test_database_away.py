"""The database going away just after a worker sent an email or a request (a restart, a
failover): what was sent is recorded once it is back, not sent again. Real PostgreSQL, whose
server drops the worker's connection."""

import psycopg
import pytest
from django.db import connection

from orders.models import OutboxEntry
from worker import services as worker_services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def drop_connection_of(backend_pid: int, params: dict) -> None:
    """As a restart does: the server ends that connection (pg_terminate_backend), from another one."""
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


@pytest.mark.parametrize("kind", ["confirmation", "fulfilment"])
def test_what_a_worker_sent_as_the_database_dropped_its_connection_is_recorded_once_it_reconnects_and_not_sent_again(
    paid_order, smtp_server, warehouse, kind
):
    entry = OutboxEntry.objects.get(order=paid_order, kind=kind)
    connection.ensure_connection()
    worker, params = connection.connection.info.backend_pid, connection.get_connection_params()
    if kind == "confirmation":  # the mail server takes the email; the database drops the worker before it hears so
        received, taken = smtp_server.messages, smtp_server.handle_DATA

        async def take_then_drop(server, session, envelope):
            answer = await taken(server, session, envelope)
            drop_connection_of(worker, params)
            return answer

        smtp_server.handle_DATA = take_then_drop
    else:  # the warehouse takes the request; likewise
        received = warehouse.requests
        warehouse.before_answer = lambda: drop_connection_of(worker, params)

    assert worker_services.outbox_process(entry.pk) in ("sent", "accepted by the warehouse (200)")

    entry.refresh_from_db()
    assert entry.status == "sent" and len(received) == 1
    assert worker_services.outbox_process(entry.pk) == "not due, already done, or another worker has it"
    assert len(received) == 1
