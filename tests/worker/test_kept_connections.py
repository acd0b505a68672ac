"""The worker keeps its connections to the mail server and to the warehouse between messages
(a launch day's confirmations and requests each paid for a new one), and still sends each
message once when the peer has closed a kept connection."""

import pytest
from django.utils import timezone

from orders.models import OutboxEntry
from tests.factories import PublicationFactory
from tests.peers import pay_for
from worker import mail
from worker import services as worker_services

pytestmark = pytest.mark.django_db


def process(order, kind):
    return worker_services.outbox_process(OutboxEntry.objects.get(order=order, kind=kind).pk)


@pytest.fixture
def two_paid_orders(api, stripe_emulator):
    return [pay_for(api, PublicationFactory(stock=10)) for _ in range(2)]


def test_two_orders_confirmations_go_over_one_smtp_connection(two_paid_orders, smtp_server):
    for order in two_paid_orders:
        assert process(order, "confirmation") == "sent"

    assert len(smtp_server.messages) == 2
    assert len(set(smtp_server.peers)) == 1


def test_a_kept_smtp_connection_the_server_closed_sends_the_next_email_once_on_a_new_one(two_paid_orders, smtp_server):
    first, second = two_paid_orders
    process(first, "confirmation")

    smtp_server.restart()  # the server goes away and comes back: the kept connection is closed
    assert process(second, "confirmation") == "sent"

    assert smtp_server.subjects() == [f"Your order {order.number} is confirmed" for order in two_paid_orders]
    assert len(set(smtp_server.peers)) == 2


def test_a_smtp_connection_idle_for_longer_than_it_may_be_kept_is_not_used_again(two_paid_orders, smtp_server, monkeypatch):
    monkeypatch.setattr(mail, "KEPT_IDLE_SECONDS", 0)

    for order in two_paid_orders:
        process(order, "confirmation")

    assert len(smtp_server.messages) == 2
    assert len(set(smtp_server.peers)) == 2


def test_an_email_the_server_refused_drops_the_kept_connection_and_goes_later_on_a_new_one(two_paid_orders, smtp_server, settings):
    settings.OUTBOX_RETRY_SECONDS = 1
    first, second = two_paid_orders
    process(first, "confirmation")
    smtp_server.refuse = 1

    assert process(second, "confirmation").startswith("attempt 1 failed ((451")
    OutboxEntry.objects.filter(order=second).update(next_attempt_at=timezone.now())
    assert process(second, "confirmation") == "sent"

    assert len(smtp_server.messages) == 2
    assert len(set(smtp_server.peers)) == 2


def test_two_orders_fulfilment_requests_go_over_one_connection_to_the_warehouse(two_paid_orders, warehouse):
    for order in two_paid_orders:
        assert process(order, "fulfilment") == "accepted by the warehouse (200)"

    assert [request["body"]["order_number"] for request in warehouse.requests] == [order.number for order in two_paid_orders]
    assert len({request["client"] for request in warehouse.requests}) == 1
