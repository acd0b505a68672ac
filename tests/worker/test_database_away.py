"""The database going away just after a worker sent an email or a request (a restart, a
failover): what was sent is recorded once it is back, not sent again. Real PostgreSQL, whose
server drops the worker's connection."""

import psycopg
import pytest
from django.db import connection

from orders.models import OutboxEntry
from worker import services as worker_services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def drop_connection_of(backend_pid: int) -> None:
    """As a restart does: the server ends that connection (pg_terminate_backend), from another one."""
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or None, port=params["PORT"] or None, user=params["USER"] or None,
        password=params["PASSWORD"] or None, dbname=params["NAME"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


@pytest.mark.parametrize("kind", ["confirmation", "fulfilment"])
def test_what_a_worker_sent_as_the_database_dropped_its_connection_is_recorded_once_it_reconnects_and_not_sent_again(
    paid_order, smtp_server, warehouse, kind
):
    entry = OutboxEntry.objects.get(order=paid_order, kind=kind)
    connection.ensure_connection()
    worker = connection.connection.info.backend_pid
    received = smtp_server.messages if kind == "confirmation" else warehouse.requests
    if kind == "confirmation":  # the mail server takes the email; the database drops the worker before it hears so
        taken = smtp_server.handle_DATA

        async def take_then_drop(server, session, envelope):
            answer = await taken(server, session, envelope)
            drop_connection_of(worker)
            return answer

        smtp_server.handle_DATA = take_then_drop
    else:
        warehouse.before_answer = lambda: drop_connection_of(worker)

    assert worker_services.outbox_process(entry.pk) in ("sent", "accepted by the warehouse (200)")

    entry.refresh_from_db()
    assert entry.status == "sent" and len(received) == 1
    assert worker_services.outbox_process(entry.pk) == "not due, already done, or another worker has it"
    assert len(received) == 1
