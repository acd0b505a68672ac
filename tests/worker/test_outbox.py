"""The outbox: one confirmation and one fulfilment request per paid order, retried until they
go, given up (and flagged for staff) when they cannot; dispatch and refund emails."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from orders import outbox, services
from orders.models import OutboxEntry
from shop import signing
from tests.factories import PublicationFactory
from tests.payments import order_body, paid_by_card
from tests.pdfs import text_of
from tests.peers import WAREHOUSE_SECRET, signed_dispatch
from worker import services as worker_services
from worker import tasks

pytestmark = pytest.mark.django_db


def entries(order, kind=None):
    queryset = OutboxEntry.objects.filter(order=order)
    return queryset.filter(kind=kind) if kind else queryset


def process(order, kind):
    return worker_services.outbox_process(entries(order, kind).get().pk)


def make_due(order):
    OutboxEntry.objects.filter(order=order).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_paid_order_owes_one_confirmation_and_one_fulfilment_request(paid_order):
    services.payment_succeeded(
        intent=services.gateway.Intent(paid_order.payment_intent, "succeeded", 1995, "gbp", "", paid_order.number, "", ""),
        source="the same payment reported again",
    )

    assert sorted(entries(paid_order).values_list("kind", flat=True)) == ["confirmation", "fulfilment"]


def test_the_confirmation_email_has_the_order_and_a_status_link(paid_order, smtp_server):
    assert process(paid_order, "confirmation") == "sent"

    [message] = smtp_server.messages
    assert message["Subject"] == f"Your order {paid_order.number} is confirmed"
    assert message["To"] == "reader@example.org"
    assert message["Reply-To"] == settings.SHOP_REPLY_TO
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for expected in [paid_order.number, "2 x Patient-centred leadership", "978-1-909029-08-8", "£19.95", "1 High St", "LS1 1AA",
                     f"{settings.SHOP_URL}/orders/{paid_order.number}/?token={paid_order.token}"]:  # fmt: skip
        assert expected in text, expected
    assert "<strong>£19.95</strong>" in html
    assert entries(paid_order, "confirmation").get().status == "sent"


def test_running_the_confirmation_twice_sends_one_email(paid_order, smtp_server):
    entry = entries(paid_order, "confirmation").get()

    worker_services.outbox_process(entry.pk)
    worker_services.outbox_process(entry.pk)
    tasks.sweep_outbox()

    assert len(smtp_server.messages) == 1


def test_the_fulfilment_request_is_signed_json_and_moves_the_order_on(paid_order, warehouse):
    process(paid_order, "fulfilment")

    [request] = warehouse.requests
    assert request["headers"]["Idempotency-Key"] == paid_order.number
    assert signing.verify(request["raw"], request["headers"][signing.HEADER], WAREHOUSE_SECRET)
    body = request["body"]
    assert body["order_number"] == paid_order.number
    assert body["lines"] == [{"isbn": "9781909029088", "title": "Patient-centred leadership", "quantity": 2}]
    assert (body["address"]["postcode"], body["address"]["country"], body["delivery_method"]) == ("LS1 1AA", "GB", "uk-standard")
    paid_order.refresh_from_db()
    assert paid_order.status == "fulfilment_requested"


@pytest.mark.parametrize("titles", [1, 4])
def test_a_confirmation_with_its_receipt_and_a_fulfilment_request_read_the_order_and_its_lines_once_whatever_its_lines(
    api, stripe_emulator, smtp_server, warehouse, django_assert_num_queries, titles
):
    placed = api.post("/api/orders/", order_body(*((PublicationFactory(stock=10).isbn, 2) for _ in range(titles))), format="json")
    order = paid_by_card(placed.data["number"])
    confirmation, request = entries(order, "confirmation").get(), entries(order, "fulfilment").get()

    # The tasks as the worker runs them, with their signals: no read of the order for the log lines alone.
    # Leased, claimed with its order and receipt; its lines; marked sent.
    with django_assert_num_queries(4):
        assert tasks.process_outbox_entry.apply(args=[confirmation.pk]).result == "sent"
    # Leased, claimed with its order and delivery method; its lines less refunds, once, to tell whether it is
    # still wanted and to send; then, locked, the order moved on with the entry (savepoint, lock, sent unless
    # withdrawn, status, history, release).
    with django_assert_num_queries(9):
        assert tasks.process_outbox_entry.apply(args=[request.pk]).result == "accepted by the warehouse (200)"
    assert text_of(smtp_server.messages[0].get_payload()[-1].get_payload(decode=True)).count("ISBN") == titles


def test_a_request_the_warehouse_accepted_after_it_was_withdrawn_is_recorded_as_sent_and_flagged(paid_order):
    entry = entries(paid_order, "fulfilment").get()
    outbox.withdraw(entry)  # a full refund, say, while a worker whose lease had run out was still sending it

    services.order_fulfilment_requested(entry=entry, note="accepted by the warehouse (200)")

    entry.refresh_from_db()
    paid_order.refresh_from_db()
    assert entry.status == "sent"
    assert (paid_order.status, paid_order.needs_attention) == ("paid", True)
    assert "ask it not to send the parcel" in paid_order.attention_reason
    assert entries(paid_order, "staff_alert").exists()


def test_the_email_backend_sends_the_packing_list_with_a_csv(paid_order, settings):
    settings.FULFILMENT_BACKEND = "email"
    settings.FULFILMENT_EMAIL = "warehouse@example.org"

    process(paid_order, "fulfilment")

    [message] = mail.outbox
    assert message.to == ["warehouse@example.org"]
    assert "2 x 9781909029088  Patient-centred leadership" in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == (f"{paid_order.number}.csv", "text/csv")
    assert content.splitlines()[1] == f"{paid_order.number},9781909029088,Patient-centred leadership,2"


def test_the_warehouse_answering_500_then_200_gets_one_accepted_request(paid_order, warehouse, settings):
    settings.OUTBOX_RETRY_SECONDS = 1
    warehouse.script = [500, 503]

    results = [process(paid_order, "fulfilment")]
    for _ in range(2):
        make_due(paid_order)
        results.append(process(paid_order, "fulfilment"))

    assert results[0].startswith("attempt 1 failed") and results[1].startswith("attempt 2 failed")
    assert [r["status"] for r in warehouse.requests] == [500, 503, 200]
    assert list(warehouse.accepted) == [paid_order.number]
    entry = entries(paid_order, "fulfilment").get()
    assert (entry.status, entry.attempts) == ("sent", 3)
    paid_order.refresh_from_db()
    assert paid_order.status == "fulfilment_requested"


def test_retries_back_off_exponentially_with_jitter(paid_order, warehouse, settings):
    settings.OUTBOX_RETRY_SECONDS = 10
    warehouse.script = [500] * 4
    delays = []
    for _ in range(4):
        make_due(paid_order)
        before = timezone.now()
        process(paid_order, "fulfilment")
        delays.append((entries(paid_order, "fulfilment").get().next_attempt_at - before).total_seconds())

    for attempt, delay in enumerate(delays, start=1):
        ceiling = 10 * 2 ** (attempt - 1)
        assert ceiling / 2 - 1 <= delay <= ceiling + 1, (attempt, delay)


def test_the_warehouse_answering_400_is_flagged_for_staff_and_not_retried(paid_order, warehouse):
    warehouse.script = [400]

    process(paid_order, "fulfilment")
    make_due(paid_order)
    tasks.sweep_outbox()
    process(paid_order, "fulfilment")

    assert len(warehouse.requests) == 1
    entry = entries(paid_order, "fulfilment").get()
    paid_order.refresh_from_db()
    assert entry.status == "failed"
    assert paid_order.needs_attention and "warehouse answered 400" in paid_order.attention_reason
    assert paid_order.status == "paid"


def test_staff_retry_a_failed_request_from_the_admin(client, paid_order, warehouse, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    warehouse.script = [400]
    process(paid_order, "fulfilment")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with django_capture_on_commit_callbacks(execute=False):
        client.post("/admin/orders/order/", {"action": "retry_failed_sending", "_selected_action": [paid_order.pk]})
    process(paid_order, "fulfilment")

    assert [r["status"] for r in warehouse.requests] == [400, 200]
    paid_order.refresh_from_db()
    assert paid_order.status == "fulfilment_requested"


def test_a_mail_server_refusing_for_a_while_gets_the_email_once_it_takes_it(paid_order, smtp_server, settings):
    settings.OUTBOX_RETRY_SECONDS = 1
    smtp_server.refuse = 3

    for _ in range(4):
        make_due(paid_order)
        process(paid_order, "confirmation")

    assert smtp_server.refused == 3
    assert smtp_server.subjects() == [f"Your order {paid_order.number} is confirmed"]
    assert entries(paid_order, "confirmation").get().status == "sent"


def test_an_email_that_never_goes_is_given_up_and_flagged(paid_order, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    settings.OUTBOX_MAX_ATTEMPTS = 3

    for _ in range(5):
        make_due(paid_order)
        process(paid_order, "confirmation")

    entry = entries(paid_order, "confirmation").get()
    paid_order.refresh_from_db()
    assert (entry.status, entry.attempts) == ("failed", 3)
    assert paid_order.needs_attention


def test_the_broker_down_when_paid_leaves_the_work_in_the_outbox_for_the_sweep(paid_order, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker unreachable")

    monkeypatch.setattr(outbox.celery_app, "signature", lambda *a, **k: type("S", (), {"apply_async": broker_down})())
    assert outbox.enqueue(entries(paid_order, "confirmation").get().pk) is False
    assert entries(paid_order).filter(status="pending").count() == 2
    monkeypatch.undo()

    assert tasks.sweep_outbox() == 2


def test_a_signed_dispatch_report_dispatches_the_order_and_emails_the_tracking(api, paid_order, warehouse, smtp_server):
    process(paid_order, "fulfilment")
    body, headers = signed_dispatch({"order_number": paid_order.number, "carrier": "Royal Mail", "tracking_number": "RM123456789GB"})

    response = api.post("/api/fulfilment/dispatch/", body, content_type="application/json", **{"HTTP_X_SIGNATURE": headers["X-Signature"]})
    again = api.post("/api/fulfilment/dispatch/", body, content_type="application/json", **{"HTTP_X_SIGNATURE": headers["X-Signature"]})

    assert (response.status_code, response.data["status"], again.status_code) == (200, "dispatched", 200)
    process(paid_order, "dispatch")
    [message] = smtp_server.messages
    assert message["Subject"] == f"Your order {paid_order.number} is on its way"
    assert "RM123456789GB" in message.get_body(("plain",)).get_content()
    assert entries(paid_order, "dispatch").count() == 1


def test_a_dispatch_report_with_a_bad_signature_is_refused(api, paid_order):
    body, _ = signed_dispatch({"order_number": paid_order.number, "carrier": "X", "tracking_number": "1"}, secret="not-the-secret")

    response = api.post("/api/fulfilment/dispatch/", body, content_type="application/json", HTTP_X_SIGNATURE=signing.sign(body, "wrong"))

    assert (response.status_code, response.data["code"]) == (400, "invalid_signature")
    paid_order.refresh_from_db()
    assert paid_order.status == "paid"


def test_a_refund_emails_the_reader_the_shops_message_and_never_the_internal_reason(paid_order, smtp_server, stripe_emulator):
    import stripe

    from tests.payments import payment_method

    stripe.PaymentIntent.modify(paid_order.payment_intent, payment_method=payment_method("visa"))
    stripe.PaymentIntent.confirm(paid_order.payment_intent)
    line = paid_order.lines.get()
    services.order_refund(
        order=paid_order, quantities={line.pk: 1}, reason="Courier crushed box 4; claim 1187",
        message="We are sorry one copy arrived damaged.",
    )  # fmt: skip

    process(paid_order, "refund")

    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert "£8.50" in text and paid_order.number in text
    assert "A message from Print shop:\nWe are sorry one copy arrived damaged." in text.replace("\r\n", "\n")
    assert "claim 1187" not in text and "claim 1187" not in message.get_body(("html",)).get_content()


def test_the_low_stock_digest_lists_what_is_at_or_under_its_reorder_level(settings):
    from tests.factories import PublicationFactory

    settings.STAFF_EMAILS = ["stock@example.org"]
    PublicationFactory(title="Nearly gone", stock=2, reorder_level=5)
    PublicationFactory(title="At the level", stock=5, reorder_level=5)
    PublicationFactory(title="Plenty", stock=50, reorder_level=5)
    PublicationFactory(title="Withdrawn", stock=1, reorder_level=5, on_sale=False)

    assert tasks.send_low_stock_digest() == 2

    [message] = mail.outbox
    assert message.to == ["stock@example.org"]
    assert "Nearly gone" in message.body and "At the level" in message.body
    assert "Plenty" not in message.body and "Withdrawn" not in message.body


def test_beat_sweeps_the_outbox_and_sends_the_daily_digest():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["worker.tasks.sweep_outbox"] <= 60
    digest = schedule["worker.tasks.send_low_stock_digest"]
    assert digest.hour == {7} and digest.minute == {30}


def test_the_confirmation_is_a_receipt_in_all_but_name(api, stripe_emulator, smtp_server, settings):
    from decimal import Decimal

    from orders.models import Order
    from tests.factories import PublicationFactory
    from tests.payments import order_body, payment_method

    settings.SELLER_ADDRESS, settings.SELLER_VAT_NUMBER = ["The Publisher Ltd", "1 Example Street", "London"], "GB 123 4567 89"
    book = PublicationFactory(title="A printed report", price=Decimal("8.50"), stock=5)
    bundle = PublicationFactory(title="A report with a data pack", price=Decimal("12.00"), vat_rate=Decimal("0.2"), stock=5)
    number = api.post("/api/orders/", order_body((book.isbn, 1), (bundle.isbn, 1), method="uk-express"), format="json").json()["number"]
    order = Order.objects.get(number=number)
    services.order_pay(order=order, payment_method=payment_method("visa"))

    process(order, "confirmation")

    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    for expected in [
        "Ordered:      ", "Paid:         ", ", by Visa ending 4242", f"Receipt:      {order.receipt.code} (VAT receipt attached as a PDF)",
        f"1 x A printed report (ISBN {book.isbn_display}) at £8.50   £8.50",
        "Delivery:  £6.50 (UK express (tracked, next working day))",
        "at 0%: £0.00 on £15.00 net (£15.00 with VAT)",  # the book and delivery, zero-rated
        "at 20%: £2.00 on £10.00 net (£12.00 with VAT)",
        "in all: £2.00", "Total:     £27.00",
        "Expected: next working day after dispatch",
        f"write to {settings.SHOP_REPLY_TO}",
        "Sold by Print shop, The Publisher Ltd, 1 Example Street, London.", "VAT number: GB 123 4567 89",
    ]:  # fmt: skip
        assert expected in text, expected
    (attachment,) = smtp_server.messages[0].iter_attachments()
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/pdf", f"receipt-{order.receipt.code}-{number}.pdf")


def test_a_whole_refund_email_says_the_delivery_refunded_too(paid_order, smtp_server, stripe_emulator):
    import stripe

    from tests.payments import payment_method

    stripe.PaymentIntent.modify(paid_order.payment_intent, payment_method=payment_method("visa"))
    stripe.PaymentIntent.confirm(paid_order.payment_intent)
    services.order_refund(order=paid_order)

    process(paid_order, "refund")

    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "We have refunded £19.95" in text and "2 x Patient-centred leadership   £17.00" in text and "Delivery   £2.95" in text
