"""A real `celery worker` process on Redis and PostgreSQL (.ci/run's second pass): paid orders
become exactly one confirmation and one fulfilment request, whatever fails on the way."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from orders.models import Order, OutboxEntry
from tests.peers import pay_for, signed_dispatch, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL (.ci/run does)"),
]


def confirmations(mailbox, order):
    return [m for m in mailbox.messages if m["Subject"] == f"Your order {order.number} is confirmed"]


def test_a_paid_order_gets_one_confirmation_one_request_and_a_tracking_email(workers, paid_order, smtp_server, warehouse, api):
    wait_for(lambda: len(confirmations(smtp_server, paid_order)) == 1 and paid_order.number in warehouse.accepted)
    wait_for(lambda: Order.objects.get(pk=paid_order.pk).status == "fulfilment_requested")

    body, headers = signed_dispatch({"order_number": paid_order.number, "carrier": "Royal Mail", "tracking_number": "RM987654321GB"})
    assert api.post("/api/fulfilment/dispatch/", body, content_type="application/json", HTTP_X_SIGNATURE=headers["X-Signature"]).status_code == 200
    wait_for(lambda: any("RM987654321GB" in m.get_body(("plain",)).get_content() for m in smtp_server.messages))

    time.sleep(1)
    assert len(confirmations(smtp_server, paid_order)) == 1
    assert len(warehouse.requests) == 1
    assert len(smtp_server.messages) == 2


def test_a_worker_killed_mid_request_loses_nothing_and_doubles_nothing(workers, paid_order, smtp_server, warehouse):
    warehouse.delay = 3  # the warehouse is slow: the worker dies while waiting for its answer
    wait_for(lambda: warehouse.arrived == 1)
    workers.kill()
    assert warehouse.requests == []  # the request was still in flight
    warehouse.delay = 0

    workers.start()
    wait_for(lambda: OutboxEntry.objects.filter(order=paid_order, status="sent").count() == 2, timeout=40, sweep=True)

    assert len(confirmations(smtp_server, paid_order)) == 1
    assert warehouse.arrived == 2  # sent again after the worker died...
    assert list(warehouse.accepted) == [paid_order.number]  # ...with the same Idempotency-Key: accepted once
    order = Order.objects.get(pk=paid_order.pk)
    assert order.status == "fulfilment_requested"
    assert order.status_changes.filter(to_status="fulfilment_requested").count() == 1


def test_the_broker_unreachable_when_paid_the_emails_go_once_it_is_back(worker_env, workers, api, stripe_emulator, seed, smtp_server, warehouse):
    from tests.payments import order_body

    number = api.post("/api/orders/", order_body((seed.isbn, 1)), format="json").data["number"]
    pay_without_broker = (
        "from orders import gateway, services; from orders.models import Order;"
        f"o = Order.objects.get(number='{number}');"
        "services.payment_succeeded(intent=gateway.Intent(o.payment_intent, 'succeeded', gateway.to_pence(o.total), 'gbp', '', o.number, '', ''), source='webhook')"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", pay_without_broker], cwd=ROOT, check=True, capture_output=True,
        env={**worker_env, "REDIS_URL": "redis://127.0.0.1:1/0"},  # nothing listens: the broker is down
    )  # fmt: skip
    order = Order.objects.get(number=number)
    assert order.status == "paid"
    time.sleep(2)
    assert smtp_server.messages == [] and warehouse.requests == []
    assert OutboxEntry.objects.filter(order=order, status="pending").count() == 2

    wait_for(lambda: OutboxEntry.objects.filter(order=order, status="sent").count() == 2, sweep=True)  # the broker is back

    assert len(confirmations(smtp_server, order)) == 1
    assert list(warehouse.accepted) == [number]


def workers_connections() -> set[int]:
    """The backends on the test database other than this test's own: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return {pid for (pid,) in cursor.fetchall()}


def test_a_worker_keeps_its_database_connection_from_task_to_task_and_replaces_one_the_database_dropped(
    workers, paid_order, smtp_server, warehouse, api, seed
):
    wait_for(lambda: OutboxEntry.objects.filter(order=paid_order, status="sent").count() == 2)
    wait_for(lambda: len(workers_connections()) == 1, timeout=5)  # kept after its tasks, as a web process keeps one
    (kept,) = workers_connections()

    second = pay_for(api, seed)
    wait_for(lambda: OutboxEntry.objects.filter(order=second, status="sent").count() == 2)
    assert workers_connections() == {kept}

    with connection.cursor() as cursor:  # the database drops it: restarted, or an idle timeout
        cursor.execute("SELECT pg_terminate_backend(%s)", [kept])
    third = pay_for(api, seed)
    wait_for(lambda: OutboxEntry.objects.filter(order=third, status="sent").count() == 2)
    (replaced,) = workers_connections()
    assert replaced != kept
    assert OutboxEntry.objects.filter(order__in=[second, third], attempts=1).count() == 4  # none failed on the way


# --- The warehouse told of refunds and hand dispatches ------------------------------------


@pytest.fixture
def card_order(api, stripe_emulator, seed):
    """Two copies of the seed paid by card at the emulator (so that refunds reach it)."""
    from tests.payments import order_body, paid_by_card

    return paid_by_card(api.post("/api/orders/", order_body((seed.isbn, 2)), format="json").json()["number"])


def kinds_received(warehouse):
    return [(request["body"].get("type", "request"), request["status"]) for request in warehouse.requests]


def test_a_full_refund_after_the_warehouse_accepted_gives_one_cancellation_retried_after_a_503(workers, card_order, smtp_server, warehouse):
    from orders import selectors, services

    wait_for(lambda: card_order.number in warehouse.accepted)
    warehouse.script = [503]
    refund = services.order_refund(order=card_order, reason="Ordered by mistake")

    key = f"{card_order.number}:cancel:{refund.pk}"
    wait_for(lambda: key in warehouse.accepted, sweep=True)
    time.sleep(1)
    assert kinds_received(warehouse) == [("request", 200), ("cancel", 503), ("cancel", 200)]
    assert warehouse.accepted[key]["body"]["lines"] == [{"isbn": "9781909029088", "title": "Patient-centred leadership", "quantity": 2}]
    timeline = [moment.what for moment in selectors.order_timeline(Order.objects.get(pk=card_order.pk))]
    assert "Cancellation to the warehouse: sent" in timeline


def test_a_full_refund_while_the_request_is_unsent_sends_the_warehouse_nothing(worker_env, card_order, smtp_server, warehouse):
    from orders import services
    from tests.peers import Workers

    services.order_refund(order=card_order, reason="Ordered by mistake")  # before any worker runs
    workers = Workers(worker_env)
    workers.start()
    try:
        wait_for(lambda: OutboxEntry.objects.filter(order=card_order, status="sent").count() == 2, sweep=True)  # confirmation, refund
        time.sleep(2)
    finally:
        workers.stop()
    assert warehouse.arrived == 0
    assert OutboxEntry.objects.get(order=card_order, kind="fulfilment").status == "withdrawn"


def test_a_refund_of_one_copy_gives_one_amendment(workers, card_order, smtp_server, warehouse):
    from orders import services

    wait_for(lambda: card_order.number in warehouse.accepted)
    [line] = card_order.lines.all()
    refund = services.order_refund(order=card_order, quantities={line.pk: 1})

    wait_for(lambda: f"{card_order.number}:amend:{refund.pk}" in warehouse.accepted, sweep=True)
    time.sleep(1)
    assert kinds_received(warehouse) == [("request", 200), ("amend", 200)]
    assert warehouse.requests[-1]["body"]["lines"][0]["quantity"] == 1


def test_a_hand_dispatch_leaves_no_fulfilment_request_behind(worker_env, card_order, smtp_server, warehouse, admin_user):
    from orders import services
    from tests.peers import Workers

    services.order_dispatch_by_hand(order=card_order, carrier="Royal Mail", tracking_number="RM123456789GB", by=admin_user)
    workers = Workers(worker_env)
    workers.start()
    try:
        wait_for(lambda: any("RM123456789GB" in m.get_body(("plain",)).get_content() for m in smtp_server.messages), sweep=True)
        time.sleep(2)
    finally:
        workers.stop()
    assert warehouse.arrived == 0
    assert not OutboxEntry.objects.filter(order=card_order, kind="fulfilment").exclude(status="withdrawn").exists()


def test_nothing_is_sent_to_the_warehouse_for_an_order_already_dispatched(workers, card_order, smtp_server, warehouse, api):
    from orders import services

    wait_for(lambda: card_order.number in warehouse.accepted)
    body, headers = signed_dispatch({"order_number": card_order.number, "carrier": "Royal Mail", "tracking_number": "RM1"})
    assert api.post("/api/fulfilment/dispatch/", body, content_type="application/json", HTTP_X_SIGNATURE=headers["X-Signature"]).status_code == 200
    services.order_refund(order=card_order, reason="Lost in the post")

    wait_for(lambda: OutboxEntry.objects.filter(order=card_order, kind="refund", status="sent").exists(), sweep=True)
    time.sleep(1)
    assert kinds_received(warehouse) == [("request", 200)]
    assert not OutboxEntry.objects.filter(order=card_order, kind__in=["cancel", "amend"]).exists()
