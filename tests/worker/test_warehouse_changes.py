"""The warehouse told of changes after a refund or a dispatch by hand: a request not yet sent is
withdrawn, a request it has is followed by a signed cancellation or amendment (Idempotency-Key
`{number}:{type}:{refund}`), a 409 flags the order, and a dispatched order changes nothing."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from orders import books, services
from orders.errors import InvalidTransition
from orders.models import Order, OutboxEntry
from shop import signing
from tests.peers import WAREHOUSE_SECRET
from tests.payments import order_body, paid_by_card
from worker import services as worker_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(api, stripe_emulator, seed):
    """Two copies of the seed, paid by card: its confirmation and fulfilment request owed."""
    return paid_by_card(api.post("/api/orders/", order_body((seed.isbn, 2)), format="json").json()["number"])


def entry(order, kind):
    return OutboxEntry.objects.get(order=order, kind=kind)


def work(order, kind):
    """What a worker does with the order's entry of `kind`, now."""
    OutboxEntry.objects.filter(order=order, kind=kind).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    return worker_services.outbox_process(entry(order, kind).pk)


def fresh(order):
    return Order.objects.get(pk=order.pk)


def changes(warehouse):
    return [request for request in warehouse.requests if "type" in request["body"]]


def test_a_full_refund_before_the_request_is_sent_withdraws_it_and_sends_nothing(order, warehouse):
    services.order_refund(order=order, reason="Ordered twice")

    assert entry(order, "fulfilment").status == "withdrawn"
    assert work(order, "fulfilment") == "not due, already done, or another worker has it"
    assert warehouse.requests == []
    assert not OutboxEntry.objects.filter(order=order, kind__in=["cancel", "amend"]).exists()
    assert "withdrawn" in fresh(order).status_changes.last().note


def test_a_full_refund_after_the_warehouse_accepted_sends_one_signed_cancellation(order, warehouse):
    work(order, "fulfilment")
    refund = services.order_refund(order=order, reason="Reader changed their mind")

    assert work(order, "cancel") == "accepted by the warehouse (200)"
    [cancellation] = changes(warehouse)
    assert cancellation["body"] == {
        "type": "cancel", "order_number": order.number,
        "lines": [{"isbn": "9781909029088", "title": "Patient-centred leadership", "quantity": 2}],
    }  # fmt: skip
    assert cancellation["headers"]["Idempotency-Key"] == f"{order.number}:cancel:{refund.pk}"
    assert signing.verify(cancellation["raw"], cancellation["headers"]["X-Signature"], WAREHOUSE_SECRET)
    assert entry(order, "cancel").status == "sent"


def test_a_cancellation_the_warehouse_cannot_take_now_is_retried(order, warehouse):
    work(order, "fulfilment")
    services.order_refund(order=order)
    warehouse.script = [503]

    assert "failed" in work(order, "cancel")
    assert work(order, "cancel") == "accepted by the warehouse (200)"
    assert [request["status"] for request in changes(warehouse)] == [503, 200]
    assert len(warehouse.accepted) == 2  # the fulfilment request and the cancellation, once each


def test_a_refund_of_one_copy_sends_an_amendment_with_what_to_send_now(order, warehouse):
    work(order, "fulfilment")
    [line] = order.lines.all()
    refund = services.order_refund(order=order, quantities={line.pk: 1})

    work(order, "amend")
    [amendment] = changes(warehouse)
    assert amendment["body"]["type"] == "amend"
    assert amendment["body"]["lines"] == [{"isbn": "9781909029088", "title": "Patient-centred leadership", "quantity": 1}]
    assert amendment["headers"]["Idempotency-Key"] == f"{order.number}:amend:{refund.pk}"


def test_a_refund_of_one_copy_before_the_request_is_sent_makes_the_request_carry_one(order, warehouse):
    [line] = order.lines.all()
    services.order_refund(order=order, quantities={line.pk: 1})
    work(order, "fulfilment")

    [request] = warehouse.requests
    assert request["body"]["lines"] == [{"isbn": "9781909029088", "title": "Patient-centred leadership", "quantity": 1}]
    assert not OutboxEntry.objects.filter(order=order, kind="amend").exists()


def test_a_refund_of_money_alone_tells_the_warehouse_nothing(order, warehouse):
    work(order, "fulfilment")
    services.order_refund(order=order, delivery=True)

    assert not OutboxEntry.objects.filter(order=order, kind__in=["cancel", "amend"]).exists()


def test_a_cancellation_while_a_worker_is_sending_the_request_waits_for_its_acceptance(order, warehouse):
    request = entry(order, "fulfilment")
    OutboxEntry.objects.filter(pk=request.pk).update(leased_until=timezone.now() + timedelta(minutes=5), attempts=1)  # a worker has it
    services.order_refund(order=order)

    assert entry(order, "fulfilment").status == "pending"  # not withdrawn: it may be at the warehouse already
    assert work(order, "cancel") == "waiting for the fulfilment request to be accepted"
    assert entry(order, "cancel").attempts == 0  # waiting is not a failed attempt
    assert changes(warehouse) == []

    OutboxEntry.objects.filter(pk=request.pk).update(leased_until=None)
    work(order, "fulfilment")
    assert work(order, "cancel") == "accepted by the warehouse (200)"
    assert [r["body"].get("type", "request") for r in warehouse.requests] == ["request", "cancel"]


def test_a_cancellation_for_a_request_the_warehouse_refused_is_dropped(order, warehouse):
    request = entry(order, "fulfilment")
    OutboxEntry.objects.filter(pk=request.pk).update(leased_until=timezone.now() + timedelta(minutes=5))
    services.order_refund(order=order)
    OutboxEntry.objects.filter(pk=request.pk).update(status="failed", leased_until=None)

    assert work(order, "cancel") == "the warehouse never had the order: nothing to tell it"
    assert entry(order, "cancel").status == "withdrawn"


def test_a_409_to_a_cancellation_means_too_late_and_flags_the_order(order, warehouse, settings):
    work(order, "fulfilment")
    services.order_refund(order=order)
    warehouse.script = [409]

    assert work(order, "cancel").startswith("too late")
    assert entry(order, "cancel").status == "failed"
    flagged = fresh(order)
    assert flagged.needs_attention and "Too late" in flagged.attention_reason


def test_nothing_is_sent_for_a_refund_of_an_order_already_dispatched(order, warehouse):
    work(order, "fulfilment")
    services.order_dispatched(order=order, carrier="Royal Mail", tracking_number="RM1")
    services.order_refund(order=order)

    assert not OutboxEntry.objects.filter(order=order, kind__in=["cancel", "amend"]).exists()


def test_a_hand_dispatch_before_the_request_is_sent_withdraws_it_and_emails_the_reader(order, warehouse, admin_user):
    services.order_dispatch_by_hand(order=order, carrier="Royal Mail", tracking_number="RM123456789GB", by=admin_user)

    dispatched = fresh(order)
    assert (dispatched.status, dispatched.tracking_number) == ("dispatched", "RM123456789GB")
    assert entry(order, "fulfilment").status == "withdrawn"
    work(order, "dispatch")
    assert "RM123456789GB" in mail.outbox[-1].body
    work(order, "confirmation")
    assert warehouse.requests == []
    assert books.books_check(grace=timedelta(0)).problems == []  # a withdrawn request is not owed


def test_a_hand_dispatch_after_the_warehouse_accepted_sends_a_cancellation(order, warehouse, admin_user):
    work(order, "fulfilment")
    services.order_dispatch_by_hand(order=order, carrier="Courier", tracking_number="C-1", by=admin_user)

    work(order, "cancel")
    [cancellation] = changes(warehouse)
    assert cancellation["headers"]["Idempotency-Key"] == f"{order.number}:cancel:dispatch"
    assert json.loads(cancellation["raw"])["lines"][0]["quantity"] == 2


def test_a_hand_dispatch_of_an_order_already_dispatched_is_refused_and_changes_nothing(order, warehouse, admin_user):
    work(order, "fulfilment")
    services.order_dispatched(order=order, carrier="Royal Mail", tracking_number="RM1")
    with pytest.raises(InvalidTransition):
        services.order_dispatch_by_hand(order=order, carrier="Courier", tracking_number="C-1", by=admin_user)

    assert fresh(order).tracking_number == "RM1"
    assert not OutboxEntry.objects.filter(order=order, kind="cancel").exists()


def test_by_email_the_warehouse_gets_the_cancellation_as_a_message(order, settings):
    settings.FULFILMENT_BACKEND = "email"
    work(order, "fulfilment")
    refund = services.order_refund(order=order)
    work(order, "cancel")

    message = mail.outbox[-1]
    assert message.subject == f"Cancel order {order.number}: do not send it"
    assert message.to == [settings.FULFILMENT_EMAIL]
    assert message.extra_headers["X-Idempotency-Key"] == f"{order.number}:cancel:{refund.pk}"
    assert "2 x 9781909029088" in message.body


# --- What a review found --------------------------------------------------------------------


def test_a_request_tried_before_may_be_at_the_warehouse_so_a_full_refund_cancels_after_it(order, warehouse):
    warehouse.script = [503]
    assert "failed" in work(order, "fulfilment")  # a 5xx the warehouse may have acted on
    services.order_refund(order=order)

    assert entry(order, "fulfilment").status == "pending"  # not withdrawn: it goes again...
    assert work(order, "cancel") == "waiting for the fulfilment request to be accepted"
    work(order, "fulfilment")
    assert work(order, "cancel") == "accepted by the warehouse (200)"  # ...and the cancellation follows it


def test_a_request_tried_before_is_followed_by_an_amendment_after_a_refund_of_one_copy(order, warehouse):
    warehouse.script = [503]
    work(order, "fulfilment")
    refund = services.order_refund(order=order, quantities={order.lines.get().pk: 1})

    work(order, "fulfilment")
    work(order, "amend")
    assert f"{order.number}:amend:{refund.pk}" in warehouse.accepted


def test_a_failed_request_is_withdrawn_by_a_full_refund_so_retrying_what_failed_sends_nothing(order, warehouse):
    from orders import outbox

    warehouse.script = [400]  # refused: failed for good, the order flagged
    work(order, "fulfilment")
    services.order_refund(order=order)
    outbox.retry_failed(orders=Order.objects.filter(pk=order.pk))

    assert entry(order, "fulfilment").status == "withdrawn"
    assert [request["status"] for request in warehouse.requests] == [400]


def test_refunding_every_copy_but_not_the_delivery_still_stops_the_warehouse(order, warehouse):
    work(order, "fulfilment")
    refund = services.order_refund(order=order, quantities={order.lines.get().pk: 2})

    assert fresh(order).status == "partially_refunded"  # the delivery charge is not refunded
    assert OutboxEntry.objects.get(order=order, kind="cancel").key == f"{order.number}:cancel:{refund.pk}"
    assert not OutboxEntry.objects.filter(order=order, kind="amend").exists()


def test_an_amendment_after_the_cancellation_is_not_sent(order, warehouse, admin_user):
    work(order, "fulfilment")
    services.order_refund(order=order, quantities={order.lines.get().pk: 1})
    services.order_dispatch_by_hand(order=order, carrier="Courier", tracking_number="C-1", by=admin_user)

    work(order, "cancel")
    assert work(order, "amend") == "superseded by the order's cancellation or dispatch: not sent"
    assert [r["body"].get("type", "request") for r in warehouse.requests] == ["request", "cancel"]


def test_the_warehouse_reporting_a_parcel_staff_sent_by_hand_flags_the_order(order, warehouse, admin_user):
    work(order, "fulfilment")
    services.order_dispatch_by_hand(order=order, carrier="Courier", tracking_number="C-1", by=admin_user)
    services.order_dispatched(order=order, carrier="Royal Mail", tracking_number="RM1")

    flagged = fresh(order)
    assert flagged.needs_attention and "two parcels" in flagged.attention_reason
    assert flagged.tracking_number == "C-1"


def test_a_partly_refunded_order_is_counted_as_with_the_warehouse_once_it_accepts(order, warehouse):
    from orders import selectors

    services.order_refund(order=order, delivery=True)
    assert list(selectors.orders_paid_not_sent()) == [fresh(order)]
    work(order, "fulfilment")

    assert fresh(order).sent_to_warehouse_at is not None
    assert not selectors.orders_paid_not_sent().exists()


def test_check_books_sees_a_refund_email_unsent_beside_a_sent_cancellation(order, warehouse):
    work(order, "fulfilment")
    work(order, "confirmation")
    services.order_refund(order=order)
    work(order, "cancel")

    problems = books.books_check(grace=timedelta(0)).problems
    assert [p.detail for p in problems if "email was not sent" in p.detail]
