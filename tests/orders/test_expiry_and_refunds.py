"""Unpaid orders expire, lost webhooks are reconciled, late payments and refunds reach Stripe."""

from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from orders import gateway, services
from orders.errors import InvalidTransition, PaymentUnavailable, RefundRefused
from orders.models import Order, Refund
from tests.factories import PublicationFactory
from tests.payments import order_body, payment_method
from worker import tasks

pytestmark = pytest.mark.django_db


def place(api, *items):
    response = api.post("/api/orders/", order_body(*items), format="json")
    assert response.status_code == 201, response.data
    return Order.objects.get(number=response.data["number"])


def paid_at_stripe(order: Order) -> gateway.Intent:
    """The reader pays, but the shop hears nothing (a lost webhook)."""
    stripe.PaymentIntent.modify(order.payment_intent, payment_method=payment_method("visa"))
    return gateway.Intent.from_stripe(stripe.PaymentIntent.confirm(order.payment_intent))


def overdue(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1), placed_at=timezone.now() - timedelta(minutes=31)
    )


def reasons(publication):
    return list(publication.stock_movements.order_by("id").values_list("reason", "delta"))


def test_an_unpaid_order_expires_returning_its_stock_and_cancelling_its_payment(api, stripe_emulator, seed):
    order = place(api, (seed.isbn, 3))
    overdue(order)

    assert tasks.expire_unpaid_orders() == 1

    order.refresh_from_db()
    seed.refresh_from_db()
    assert order.status == "cancelled" and order.cancelled_at
    assert seed.stock == 50
    assert reasons(seed)[-2:] == [("sale", -3), ("cancellation", 3)]
    assert stripe.PaymentIntent.retrieve(order.payment_intent)["status"] == "canceled"


def test_an_order_not_yet_due_does_not_expire(api, stripe_emulator, seed):
    order = place(api, (seed.isbn, 1))

    assert tasks.expire_unpaid_orders() == 0
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_a_payment_found_at_expiry_wins_over_the_expiry(api, stripe_emulator, seed):
    order = place(api, (seed.isbn, 2))
    paid_at_stripe(order)
    overdue(order)

    tasks.expire_unpaid_orders()

    order.refresh_from_db()
    seed.refresh_from_db()
    assert (order.status, seed.stock) == ("paid", 48)


def test_expiry_with_stripe_down_keeps_the_order_for_the_next_run(api, stripe_emulator, settings, seed):
    order = place(api, (seed.isbn, 2))
    overdue(order)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    assert tasks.expire_unpaid_orders() == 0
    order.refresh_from_db()
    assert order.status == "pending_payment"

    settings.STRIPE_API_BASE = stripe_emulator
    assert tasks.expire_unpaid_orders() == 1
    seed.refresh_from_db()
    assert seed.stock == 50


def test_reconciliation_applies_a_payment_whose_webhook_was_lost(api, stripe_emulator, seed):
    order = place(api, (seed.isbn, 1))
    paid_at_stripe(order)
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(minutes=6))

    assert tasks.reconcile_pending_payments() == 1

    order.refresh_from_db()
    assert order.status == "paid"
    assert order.status_changes.last().note.endswith("(reconciliation)")


def test_a_late_payment_for_an_expired_order_reserves_the_copies_again(api, stripe_emulator, seed):
    order = place(api, (seed.isbn, 2))
    intent = paid_at_stripe(order)
    services.order_cancel(order=order, note="expired")  # the expiry raced the payment

    services.payment_succeeded(intent=intent, source="webhook")

    order.refresh_from_db()
    seed.refresh_from_db()
    assert (order.status, seed.stock) == ("paid", 48)
    assert order.stripe_charge == intent.latest_charge != ""
    assert reasons(seed)[-3:] == [("sale", -2), ("cancellation", 2), ("sale", -2)]


def test_a_late_payment_when_the_copies_are_gone_is_refunded_and_flagged(api, stripe_emulator, django_capture_on_commit_callbacks):
    scarce = PublicationFactory(price=Decimal("8.50"), stock=2)
    order = place(api, (scarce.isbn, 2))
    intent = paid_at_stripe(order)
    services.order_cancel(order=order, note="expired")
    place(api, (scarce.isbn, 2))  # someone else buys the returned copies

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_succeeded(intent=intent, source="webhook")
        services.payment_succeeded(intent=intent, source="reconciliation")  # a second report changes nothing

    order.refresh_from_db()
    assert order.status == "cancelled" and order.needs_attention
    assert order.stripe_charge == intent.latest_charge != ""  # the charge a refund goes back to
    refund = order.refunds.get()
    assert (refund.status, refund.amount) == ("succeeded", order.total)
    at_stripe = stripe.Refund.list(payment_intent=order.payment_intent)["data"]
    assert [r["amount"] for r in at_stripe] == [gateway.to_pence(order.total)]


@pytest.fixture
def paid_order(api, stripe_emulator, seed):
    other = PublicationFactory(price=Decimal("12.00"), stock=10)
    order = place(api, (seed.isbn, 2), (other.isbn, 1))  # 17.00 + 12.00, free delivery
    services.payment_succeeded(intent=paid_at_stripe(order), source="test")
    order.refresh_from_db()
    return order


def test_a_whole_order_refund_reaches_stripe_and_marks_the_order_refunded(paid_order):
    refund = services.order_refund(order=paid_order, reason="Customer changed their mind")

    paid_order.refresh_from_db()
    assert (paid_order.status, refund.status, refund.amount) == ("refunded", "succeeded", Decimal("29.00"))
    assert refund.stripe_refund_id.startswith("re_")
    assert [r["amount"] for r in stripe.Refund.list(payment_intent=paid_order.payment_intent)["data"]] == [2900]


def test_a_partial_refund_with_restock_returns_the_copies(paid_order, seed):
    line = paid_order.lines.get(isbn=seed.isbn)

    refund = services.order_refund(order=paid_order, quantities={line.pk: 1}, restock=True)

    paid_order.refresh_from_db()
    seed.refresh_from_db()
    assert (paid_order.status, refund.amount, seed.stock) == ("partially_refunded", Decimal("8.50"), 49)
    assert reasons(seed)[-1] == ("return", 1)

    services.order_refund(order=paid_order)  # the rest
    paid_order.refresh_from_db()
    assert paid_order.status == "refunded"
    assert sum(r.amount for r in paid_order.refunds.all()) == paid_order.total


def test_a_refund_can_never_exceed_what_was_paid(paid_order, seed):
    line = paid_order.lines.get(isbn=seed.isbn)

    with pytest.raises(ValidationError):
        services.order_refund(order=paid_order, quantities={line.pk: 3})
    services.order_refund(order=paid_order, quantities={line.pk: 2})
    with pytest.raises(ValidationError):
        services.order_refund(order=paid_order, quantities={line.pk: 1})
    services.order_refund(order=paid_order)
    with pytest.raises(InvalidTransition):
        services.order_refund(order=paid_order)

    assert sum(r["amount"] for r in stripe.Refund.list(payment_intent=paid_order.payment_intent)["data"]) == 2900


def test_a_refund_beyond_the_remaining_amount_is_refused(paid_order):
    Refund.objects.create(order=paid_order, amount=Decimal("25.00"), status="succeeded")
    line = paid_order.lines.get(isbn="9781909029088")

    with pytest.raises(RefundRefused):
        services.order_refund(order=paid_order, quantities={line.pk: 1, paid_order.lines.exclude(pk=line.pk).get().pk: 1})


def test_a_refund_while_stripe_is_down_stays_pending_and_is_sent_once_later(paid_order, settings, stripe_emulator):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    with pytest.raises(PaymentUnavailable):
        services.order_refund(order=paid_order)
    refund = paid_order.refunds.get()
    assert refund.status == "pending"
    paid_order.refresh_from_db()
    assert paid_order.status == "paid"

    settings.STRIPE_API_BASE = stripe_emulator
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    tasks.reconcile_pending_payments()
    tasks.reconcile_pending_payments()

    refund.refresh_from_db()
    paid_order.refresh_from_db()
    assert (refund.status, paid_order.status) == ("succeeded", "refunded")
    assert len(stripe.Refund.list(payment_intent=paid_order.payment_intent)["data"]) == 1


def test_beat_runs_expiry_and_reconciliation():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["worker.tasks.expire_unpaid_orders"] <= 60
    assert schedule["worker.tasks.reconcile_pending_payments"] <= 300


def test_a_refund_stripe_refuses_is_a_clear_error_that_waits_and_tells_staff_once(api, stripe_emulator, seed):
    from orders.errors import RefundDeclined
    from orders.models import OutboxEntry

    order = place(api, (seed.isbn, 1))
    never_charged = gateway.Intent(order.payment_intent, "succeeded", gateway.to_pence(order.total), "gbp", "", order.number, "", "")
    services.payment_succeeded(intent=never_charged, source="test")  # Stripe holds no charge to refund

    with pytest.raises(RefundDeclined):
        services.order_refund(order=order)
    with pytest.raises(RefundDeclined):
        services.refund_send(refund=order.refunds.get())  # beat's retry

    order.refresh_from_db()
    assert order.refunds.get().status == "pending" and order.needs_attention
    assert "Stripe refused the refund" in order.attention_reason
    assert OutboxEntry.objects.filter(order=order, kind="staff_alert").count() == 1
