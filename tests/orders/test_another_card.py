"""A declined card, then another card paying the same order: a new PaymentIntent for it."""

import threading

import pytest
import stripe
from django.db import connections

from orders import gateway, services
from orders.models import Order, Payment
from tests.payments import order_body, payment_method

pytestmark = pytest.mark.django_db


def placed(api, seed) -> Order:
    return Order.objects.get(number=api.post("/api/orders/", order_body((seed.isbn, 2)), format="json").json()["number"])


def test_after_a_declined_card_another_card_pays_the_same_order(api, stripe_emulator, seed):
    order = placed(api, seed)
    first = order.payment_intent
    declined = services.order_pay(order=order, payment_method=payment_method("declined"))
    assert declined.status == "requires_payment_method" and declined.error

    paid = services.order_pay(order=Order.objects.get(pk=order.pk), payment_method=payment_method("visa"))

    order.refresh_from_db()
    assert (paid.status, order.status, Order.objects.count()) == ("succeeded", "paid", 1)
    assert [(p.attempt, p.payment_intent) for p in order.payments.all()] == [(1, first), (2, order.payment_intent)]
    assert stripe.PaymentIntent.retrieve(first).status == "canceled"  # cancelled before the next was made
    assert stripe.PaymentIntent.retrieve(order.payment_intent).metadata["attempt"] == "2"


def test_the_payment_page_api_takes_another_card_after_a_decline(api, stripe_emulator, seed):
    order = placed(api, seed)

    def pay(card):
        return api.post(f"/api/orders/{order.number}/pay/", {"token": order.token, "payment_method": payment_method(card)}, format="json")

    assert pay("declined").json()["status"] == "requires_payment_method"
    answer = pay("visa").json()

    assert (answer["status"], answer["order_status"]) == ("succeeded", "paid")


def test_a_refund_goes_back_to_the_payment_intent_that_paid(api, stripe_emulator, seed):
    order = placed(api, seed)
    services.order_pay(order=order, payment_method=payment_method("declined"))
    services.order_pay(order=Order.objects.get(pk=order.pk), payment_method=payment_method("visa"))
    order.refresh_from_db()

    refund = services.order_refund(order=order)

    assert refund.status == "succeeded"
    assert [r["amount"] for r in stripe.Refund.list(payment_intent=order.payment_intent)["data"]] == [gateway.to_pence(order.total)]


def test_a_second_success_on_another_payment_intent_is_refunded_and_flagged(api, stripe_emulator, seed, django_capture_on_commit_callbacks):
    order = placed(api, seed)
    first = order.payment_intent
    # The second attempt exists while the first is still payable (as if its cancel had raced).
    second = gateway.payment_intent_create(order_number=order.number, amount=order.total, currency="GBP", attempt=2)
    Payment.objects.create(order=order, attempt=2, payment_intent=second.id)
    Order.objects.filter(pk=order.pk).update(payment_intent=second.id)
    services.order_pay(order=Order.objects.get(pk=order.pk), payment_method=payment_method("visa"))
    stripe.PaymentIntent.modify(first, payment_method=payment_method("visa"))
    late = gateway.Intent.from_stripe(stripe.PaymentIntent.confirm(first))

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_succeeded(intent=late, source="webhook")

    order.refresh_from_db()
    assert (order.status, order.payment_intent, order.needs_attention) == ("paid", second.id, True)
    assert [r["amount"] for r in stripe.Refund.list(payment_intent=first)["data"]] == [gateway.to_pence(order.total)]
    assert not order.refunds.exists()  # the order itself was paid once and refunded nothing
    assert order.status_changes.filter(to_status="paid").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_retries_at_once_after_a_decline_make_one_new_payment_intent(api, stripe_emulator, seed):
    order = placed(api, seed)
    declined = services.order_pay(order=order, payment_method=payment_method("declined"))
    # Undo the replacement order_pay made, to race two of them from the declined state.
    Payment.objects.filter(order=order, attempt=2).delete()
    Order.objects.filter(pk=order.pk).update(payment_intent=declined.id)
    stripe_state = stripe.PaymentIntent.retrieve(declined.id).status
    results, start = [], threading.Barrier(2)

    def retry():
        try:
            start.wait()
            results.append(services.payment_intent_replace(order=Order.objects.get(pk=order.pk), declined=declined).payment_intent)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert stripe_state == "canceled"
    assert len(set(results)) == 1 and results[0] != declined.id
    assert list(order.payments.values_list("attempt", flat=True)) == [1, 2]
