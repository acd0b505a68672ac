""""Find my orders": links by email to an address's orders, saying nothing of which addresses are known."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order, OrderLinksRequest
from tests.factories import PublicationFactory
from tests.payments import order_body
from worker import services as worker_services

pytestmark = pytest.mark.django_db


def place(api, email: str) -> Order:
    number = api.post("/api/orders/", order_body((PublicationFactory(stock=5).isbn, 1), email=email), format="json").json()["number"]
    return Order.objects.get(number=number)


def ask(email: str, address: str = "203.0.113.5"):
    client = Client(REMOTE_ADDR=address)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/orders/find/", {"email": email})
    return response, len(queries)


def handle_all() -> list[str]:
    return [worker_services.order_links_process(pk) for pk in OrderLinksRequest.objects.values_list("pk", flat=True)]


def test_a_known_address_is_sent_a_link_to_each_of_its_orders_of_the_last_twelve_months(api, stripe_emulator, smtp_server):
    recent, other_case = place(api, "reader@example.org"), place(api, "Reader@Example.org")
    old = place(api, "reader@example.org")
    Order.objects.filter(pk=old.pk).update(placed_at=timezone.now() - timedelta(days=400))
    someone_else = place(api, "someone@example.org")

    response, _ = ask("reader@example.org")

    assert response.status_code == 200 and "an email with a link to each is on its way" in response.text
    assert handle_all() == ["sent 2 link(s)"]
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert message["To"] == "Reader@Example.org"  # as given at checkout, on the newest order
    for order in (recent, other_case):
        assert f"/orders/{order.number}/?token={order.token}" in text
    assert old.number not in text and someone_else.number not in text
    assert not OrderLinksRequest.objects.exists()  # nobody's request is kept once handled


def test_an_unknown_address_gets_the_same_page_and_work_and_no_email(api, stripe_emulator, smtp_server):
    place(api, "reader@example.org")

    known, known_queries = ask("reader@example.org", "203.0.113.6")
    unknown, unknown_queries = ask("stranger@example.org", "203.0.113.7")

    assert unknown.status_code == known.status_code == 200
    assert unknown.text.replace("stranger@example.org", "EMAIL") == known.text.replace("reader@example.org", "EMAIL")
    assert unknown_queries == known_queries
    handle_all()
    assert [message["To"] for message in smtp_server.messages] == ["reader@example.org"]


def test_a_mail_server_that_does_not_answer_means_another_attempt_later(api, stripe_emulator, settings):
    place(api, "reader@example.org")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    ask("reader@example.org")

    [result] = handle_all()

    request = OrderLinksRequest.objects.get()
    assert result.startswith("attempt 1 failed") and request.next_attempt_at > timezone.now()
    assert request.last_error


def test_asking_too_often_for_one_address_is_refused_whoever_asks():
    for n in range(3):
        assert ask("reader@example.org", f"203.0.113.{10 + n}")[0].status_code == 200

    assert ask("READER@example.org ", "203.0.113.20")[0].status_code == 429
    assert ask("other@example.org", "203.0.113.20")[0].status_code == 200


def test_one_client_asking_for_many_addresses_is_refused_past_its_limit():
    for n in range(10):
        assert ask(f"reader{n}@example.org")[0].status_code == 200

    assert ask("reader99@example.org")[0].status_code == 429
    assert OrderLinksRequest.objects.count() == 10


def test_a_bad_address_is_a_field_error_and_nothing_is_queued():
    response, _ = ask("not-an-email")

    assert response.status_code == 400 and 'id="id_email-error"' in response.text
    assert not OrderLinksRequest.objects.exists()


def test_every_page_links_to_find_my_orders(client):
    assert 'href="/orders/find/"' in client.get("/").text


def test_one_reader_gets_one_links_email_an_hour_however_many_ask(api, stripe_emulator, smtp_server):
    place(api, "reader@example.org")
    for n in range(3):
        ask("reader@example.org", f"203.0.113.{30 + n}")

    assert handle_all() == ["sent 1 link(s)", "sent to this address within the hour: not again", "sent to this address within the hour: not again"]
    assert len(smtp_server.messages) == 1 and not OrderLinksRequest.objects.exists()


def test_typos_get_the_forms_error_and_never_use_up_anyones_limit():
    for _ in range(5):
        assert ask("", "203.0.113.40")[0].status_code == 400

    assert ask("reader@example.org", "203.0.113.41")[0].status_code == 200


def test_the_links_go_to_the_address_given_at_checkout_not_as_typed(api, stripe_emulator, smtp_server):
    place(api, "Reader@Example.org")
    ask("reader@example.org")

    handle_all()

    assert smtp_server.messages[0]["To"] == "Reader@Example.org"
