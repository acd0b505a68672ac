"""Paying: card confirmed through Stripe (localstripe), its signed webhook marks the order paid once."""

import time

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, StripeEvent
from tests.payments import order_body, payment_method, signed, wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # the live server must see committed data


def place(api, seed, quantity=2):
    response = api.post("/api/orders/", order_body((seed.isbn, quantity)), format="json")
    assert response.status_code == 201, response.data
    data = response.data
    data["token"] = data["status_url"].split("token=")[1]
    return data


def pay(api, order, card):
    return api.post(
        f"/api/orders/{order['number']}/pay/", {"token": order["token"], "payment_method": payment_method(card)}, format="json"
    )


def webhook_events(order_number, event_type):
    return StripeEvent.objects.filter(order__number=order_number, type=event_type)


def test_a_visa_card_pays_the_order_and_the_signed_webhook_confirms_it_once(api, stripe_webhooks, seed):
    order = place(api, seed)

    answer = pay(api, order, "visa")

    assert (answer.status_code, answer.data["status"], answer.data["order_status"]) == (200, "succeeded", "paid")
    event = wait_for(lambda: webhook_events(order["number"], "payment_intent.succeeded").first())
    paid = Order.objects.get(number=order["number"])
    assert paid.status == "paid" and paid.paid_at is not None
    assert list(paid.status_changes.values_list("to_status", flat=True)) == ["pending_payment", "paid"]
    assert event.outcome == f"order {order['number']} paid"
    status = api.get(f"/api/orders/{order['number']}/", {"token": order["token"]}).data
    assert status["status"] == "paid"
    assert status["payment"]["client_secret"] == ""


def test_a_declined_card_says_why_and_keeps_the_order_payable(api, stripe_webhooks, seed):
    order = place(api, seed)

    answer = pay(api, order, "declined")

    assert answer.data["status"] == "requires_payment_method"
    assert answer.data["error"]
    assert answer.data["order_status"] == "pending_payment"
    failed = wait_for(lambda: webhook_events(order["number"], "payment_intent.payment_failed").first())
    assert failed.outcome.startswith("payment attempt failed")
    assert Order.objects.get(number=order["number"]).status == "pending_payment"


def test_a_card_stripe_does_not_know_is_a_400_and_the_order_stays_payable(api, stripe_emulator, seed):
    order = place(api, seed)

    answer = api.post(f"/api/orders/{order['number']}/pay/", {"token": order["token"], "payment_method": "card_made_up"}, format="json")

    assert answer.status_code == 400, answer.data
    assert answer.data["code"] == "payment_method_refused"
    assert pay(api, order, "visa").data["order_status"] == "paid"


def test_a_3d_secure_card_needs_the_readers_authentication_before_it_pays(api, stripe_webhooks, seed):
    order = place(api, seed)

    answer = pay(api, order, "3ds")

    assert (answer.data["status"], answer.data["order_status"]) == ("requires_action", "pending_payment")
    client_secret = answer.data["client_secret"]
    assert client_secret == order["payment"]["client_secret"]
    # What Stripe.js's confirmCardPayment does once the reader completes 3-D Secure.
    intent_id = order["payment"]["payment_intent"]
    authenticated = requests.post(
        f"{stripe_webhooks_base(api)}/v1/payment_intents/{intent_id}/_authenticate?success=true",
        json={"key": "pk_test_print_shop", "client_secret": client_secret},
        timeout=5,
    )
    assert authenticated.status_code == 200, authenticated.text
    wait_for(lambda: Order.objects.get(number=order["number"]).status == "paid")


def stripe_webhooks_base(api):
    from django.conf import settings

    return settings.STRIPE_API_BASE


def post_webhook(live_server, payload, secret=None, header=None):
    body, signature = signed(payload) if secret is None else signed(payload, secret=secret)
    return requests.post(
        f"{live_server.url}/api/payments/stripe/webhook/",
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": header or signature},
        timeout=5,
    )


def succeeded_event(event_id, order, amount=None, currency="gbp"):
    return {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": order["payment"]["payment_intent"],
                "object": "payment_intent",
                "amount": amount if amount is not None else int(float(order["total"]) * 100),
                "currency": currency,
                "status": "succeeded",
                "metadata": {"order_number": order["number"]},
                "client_secret": "",
                "latest_charge": "ch_test",
            }
        },
    }


def failed_event(event_id, order):
    event = succeeded_event(event_id, order)
    event["type"] = "payment_intent.payment_failed"
    event["data"]["object"]["status"] = "requires_payment_method"
    event["data"]["object"]["last_payment_error"] = {"message": "Your card was declined."}
    return event


def test_a_forged_signature_is_a_400_and_changes_nothing(api, stripe_webhooks, seed):
    order = place(api, seed)

    forged = post_webhook(stripe_webhooks, succeeded_event("evt_forged", order), secret="whsec_not_ours")
    unsigned = post_webhook(stripe_webhooks, succeeded_event("evt_unsigned", order), header="nonsense")

    assert (forged.status_code, unsigned.status_code) == (400, 400)
    assert StripeEvent.objects.count() == 0
    assert Order.objects.get(number=order["number"]).status == "pending_payment"


def test_the_same_event_twice_pays_the_order_once(api, stripe_webhooks, seed):
    order = place(api, seed)

    first = post_webhook(stripe_webhooks, succeeded_event("evt_twice", order))
    second = post_webhook(stripe_webhooks, succeeded_event("evt_twice", order))

    assert (first.status_code, second.status_code) == (200, 200)
    paid = Order.objects.get(number=order["number"])
    assert paid.status == "paid"
    assert paid.status_changes.filter(to_status="paid").count() == 1
    assert StripeEvent.objects.filter(event_id="evt_twice").count() == 1


def test_a_failure_arriving_after_the_success_leaves_the_order_paid(api, stripe_webhooks, seed):
    order = place(api, seed)

    post_webhook(stripe_webhooks, succeeded_event("evt_ok", order))
    post_webhook(stripe_webhooks, failed_event("evt_late_failure", order))
    post_webhook(stripe_webhooks, succeeded_event("evt_ok_again", order))

    paid = Order.objects.get(number=order["number"])
    assert paid.status == "paid"
    assert paid.status_changes.filter(to_status="paid").count() == 1


def test_a_wrong_amount_is_not_marked_paid_and_is_flagged_for_staff(api, stripe_webhooks, seed):
    order = place(api, seed)

    post_webhook(stripe_webhooks, succeeded_event("evt_short", order, amount=100))
    post_webhook(stripe_webhooks, succeeded_event("evt_currency", order, currency="eur"))

    flagged = Order.objects.get(number=order["number"])
    assert flagged.status == "pending_payment"
    assert flagged.needs_attention
    assert "not marked paid" in flagged.attention_reason


def delivered(api, body, signature) -> int:
    """A signed event delivered in-process, its queries made on this test's connection; the answer's status."""
    return api.post("/api/payments/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature).status_code


def test_a_payments_webhook_saves_its_order_once_with_its_charge_status_and_time(api, stripe_emulator, seed):
    order = place(api, seed)
    body, signature = signed(succeeded_event("evt_once", order))

    with CaptureQueriesContext(connection) as captured:
        assert delivered(api, body, signature) == 200

    assert len([q for q in captured if q["sql"].startswith('UPDATE "orders_order"')]) == 1
    paid = Order.objects.get(number=order["number"])
    assert (paid.status, paid.stripe_charge, paid.paid_at is not None) == ("paid", "ch_test", True)


def test_a_new_event_and_what_it_owes_are_inserted_without_a_read_first_and_a_replay_reads_the_event_once(api, stripe_emulator, seed):
    """Most events are new, and so is each email or request a payment owes: stored by inserting
    (a taken key then read), not by reading first and inserting after a miss."""
    order = place(api, seed)
    body, signature = signed(succeeded_event("evt_new", order))

    def reads_and_inserts(captured):
        tables = ('"orders_stripeevent"', '"orders_outboxentry"')
        return [(q["sql"].split()[0], table) for q in captured for table in tables
                if q["sql"].startswith(("SELECT", "INSERT")) and (f"FROM {table}" in q["sql"] or f"INTO {table}" in q["sql"])]  # fmt: skip

    with CaptureQueriesContext(connection) as first:
        assert delivered(api, body, signature) == 200
    with CaptureQueriesContext(connection) as replay:
        assert delivered(api, body, signature) == 200

    assert reads_and_inserts(first) == [("INSERT", '"orders_stripeevent"'), ("INSERT", '"orders_outboxentry"'), ("INSERT", '"orders_outboxentry"')]
    assert reads_and_inserts(replay) == [("INSERT", '"orders_stripeevent"'), ("SELECT", '"orders_stripeevent"')]
    assert Order.objects.get(number=order["number"]).status == "paid"
