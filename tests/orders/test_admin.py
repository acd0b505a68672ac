"""Orders in the admin: search, inspect, cancel unpaid, refund whole or some copies."""

from decimal import Decimal

import pytest
import stripe

from orders import services
from orders.models import Order
from tests.factories import PublicationFactory, UserFactory
from tests.payments import order_body, payment_method

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True, is_superuser=True, username="margaret")
    client.force_login(user)
    return user


def place(api, *items, email="reader@example.org"):
    response = api.post("/api/orders/", order_body(*items, email=email), format="json")
    assert response.status_code == 201, response.data
    return Order.objects.get(number=response.data["number"])


def paid(order):
    services.order_pay(order=order, payment_method=payment_method("visa"))
    order.refresh_from_db()
    return order


@pytest.mark.parametrize("term", ["number", "email", "978-1-909029-08-8", "1909029084"])
def test_orders_are_found_by_number_email_or_isbn_in_any_format(client, staff, api, stripe_emulator, seed, term):
    wanted = place(api, (seed.isbn, 1), email="wanted@example.org")
    place(api, (PublicationFactory(stock=5).isbn, 1), email="other@example.org")
    query = {"number": wanted.number, "email": "wanted@example.org"}.get(term, term)

    results = client.get(CHANGELIST, {"q": query}).context["cl"].result_list

    assert list(results) == [wanted]


def test_the_order_page_shows_lines_history_and_stripe_events(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 2)))

    page = client.get(f"{CHANGELIST}{order.pk}/change/").text

    assert "Patient-centred leadership" in page and "19.95" in page
    assert "Awaiting payment → Paid" in page
    assert "Refund copies or the whole order" in page


def test_flagged_orders_can_be_filtered_and_cleared(client, staff, api, stripe_emulator, seed):
    flagged = place(api, (seed.isbn, 1))
    place(api, (seed.isbn, 1))
    Order.objects.filter(pk=flagged.pk).update(needs_attention=True, attention_reason="Amount mismatch")

    assert list(client.get(CHANGELIST, {"needs_attention__exact": "1"}).context["cl"].result_list) == [flagged]
    client.post(CHANGELIST, {"action": "clear_attention", "_selected_action": [flagged.pk]})
    flagged.refresh_from_db()
    assert not flagged.needs_attention


def test_staff_cancel_an_unpaid_order_at_stripe_and_get_the_stock_back(client, staff, api, stripe_emulator, seed):
    order = place(api, (seed.isbn, 4))

    client.post(CHANGELIST, {"action": "cancel_unpaid", "_selected_action": [order.pk]})

    order.refresh_from_db()
    seed.refresh_from_db()
    assert (order.status, seed.stock) == ("cancelled", 50)
    assert order.status_changes.last().changed_by == staff
    assert stripe.PaymentIntent.retrieve(order.payment_intent)["status"] == "canceled"


def test_staff_refund_one_line_with_restock_from_the_refund_page(client, staff, api, stripe_emulator, seed):
    other = PublicationFactory(price=Decimal("12.00"), stock=10)
    order = paid(place(api, (seed.isbn, 2), (other.isbn, 1)))
    line = order.lines.get(isbn=seed.isbn)

    choice = {f"line_{line.pk}": "1", f"line_{order.lines.get(isbn=other.isbn).pk}": "0", "restock": "on", "reason": "Damaged in post"}
    preview = client.post(f"{CHANGELIST}{order.pk}/refund/", choice)
    assert preview.status_code == 200 and "Nothing has been refunded yet" in preview.text and not order.refunds.exists()
    assert 'name="confirm" value="8.50:0"' in preview.text and "Refund £8.50" in preview.text

    response = client.post(f"{CHANGELIST}{order.pk}/refund/", {**choice, "confirm": "8.50:0"})

    assert response.status_code == 302
    order.refresh_from_db()
    seed.refresh_from_db()
    refund = order.refunds.get()
    assert (order.status, refund.amount, refund.created_by, seed.stock) == ("partially_refunded", Decimal("8.50"), staff, 49)
    assert [r["amount"] for r in stripe.Refund.list(payment_intent=order.payment_intent)["data"]] == [850]


def test_the_refund_page_refuses_more_copies_than_were_bought(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 2)))
    line = order.lines.get()

    response = client.post(f"{CHANGELIST}{order.pk}/refund/", {f"line_{line.pk}": "3"})

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 2" in response.text
    assert not order.refunds.exists()


def test_staff_refund_whole_orders_from_the_list_only_once_they_confirm(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 2)))
    unpaid = place(api, (seed.isbn, 1))
    selection = {"action": "refund_in_full", "_selected_action": [order.pk, unpaid.pk]}

    page = client.post(CHANGELIST, selection)

    assert page.status_code == 200 and not order.refunds.exists()
    assert f"<td>{order.number}</td><td>Paid</td><td>£{order.total}</td>" in page.text
    assert f"{unpaid.number}: it is awaiting payment" in page.text and "Refund 1 order: £" in page.text
    assert client.post(CHANGELIST, {**selection, "confirm": "yes"}).status_code == 200  # a reason is required
    assert not order.refunds.exists()
    shown = {f"amount_{order.pk}": str(order.total), f"seen_{order.pk}": "0"}

    client.post(CHANGELIST, {**selection, **shown, "confirm": "yes", "reason": "Event cancelled", "message": "The event was cancelled."})

    order.refresh_from_db()
    assert order.status == "refunded"
    refund = order.refunds.get()
    assert (refund.amount, refund.reason, refund.message) == (order.total, "Event cancelled", "The event was cancelled.")
    assert not unpaid.refunds.exists()


def test_a_bulk_refund_refunds_only_the_orders_listed_and_only_as_they_were_shown(client, staff, api, stripe_emulator, seed):
    first, second, third = (paid(place(api, (seed.isbn, 1), email=f"r{n}@example.org")) for n in range(3))
    page = client.post(CHANGELIST, {"action": "refund_in_full", "select_across": "1", "_selected_action": [first.pk]})
    assert "Refund 3 orders: £34.35" in page.text  # every order, as "select all" asked
    import re

    hidden = dict(re.findall(r'name="((?:amount|seen)_\d+)" value="([^"]*)"', page.text))
    listed = re.findall(r'name="_selected_action" value="(\d+)"', page.text)
    services.order_refund(order=second, amount=Decimal("1.00"))  # meanwhile

    client.post(CHANGELIST, {"action": "refund_in_full", "_selected_action": listed, **hidden, "confirm": "yes", "reason": "Event off"})

    assert sorted(listed) == sorted(str(o.pk) for o in (first, second, third))
    assert [Order.objects.get(pk=o.pk).status for o in (first, second, third)] == ["refunded", "partially_refunded", "refunded"]


def test_the_refund_page_refunds_a_custom_amount_or_the_delivery_after_confirming(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 1)))  # £8.50 and £2.95 delivery
    url = f"{CHANGELIST}{order.pk}/refund/"

    preview = client.post(url, {"amount": "5.00", "reason": "Goodwill"})
    assert "(part of its price)" in preview.text and "Refund £5.00" in preview.text
    client.post(url, {"amount": "5.00", "reason": "Goodwill", "confirm": "5.00:0"})
    # £5.00 of £11.45: £3.71 of the copy's £8.50 and £1.29 of the £2.95 delivery (its remainder is the larger).
    assert "Refund £1.66" in client.post(url, {"delivery": "on", "reason": "Late"}).text  # what is left of the delivery
    client.post(url, {"delivery": "on", "reason": "Late", "confirm": "1.66:1"})

    amounts = [(r.amount, r.delivery_amount) for r in order.refunds.order_by("id")]
    assert amounts == [(Decimal("5.00"), Decimal("1.29")), (Decimal("1.66"), Decimal("1.66"))]


def test_a_confirmation_for_another_amount_refunds_nothing(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 2)))

    page = client.post(f"{CHANGELIST}{order.pk}/refund/", {"whole_order": "on", "reason": "x", "confirm": "1.00:0"})

    assert "Refund £19.95" in page.text and not order.refunds.exists()


def test_a_second_click_on_the_confirmation_refunds_nothing_more(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 2)))
    confirmed = {"amount": "5.00", "reason": "Goodwill", "confirm": "5.00:0"}

    client.post(f"{CHANGELIST}{order.pk}/refund/", confirmed)
    again = client.post(f"{CHANGELIST}{order.pk}/refund/", confirmed)

    assert order.refunds.count() == 1 and "Refund £5.00" in again.text  # shown afresh, for after the first


def test_the_refund_page_asks_for_one_way_and_a_reason(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 2)))

    page = client.post(f"{CHANGELIST}{order.pk}/refund/", {"whole_order": "on", "amount": "3.00", "reason": "x"})
    no_reason = client.post(f"{CHANGELIST}{order.pk}/refund/", {"whole_order": "on"})

    assert "Choose one: copies and/or the delivery, a custom amount, or everything." in page.text
    assert "This field is required." in no_reason.text and not order.refunds.exists()


def test_the_orders_list_and_page_read_as_staff_speak(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 2)))
    Order.objects.filter(pk=order.pk).update(needs_attention=False)

    listing = client.get(CHANGELIST).text
    page = client.get(f"{CHANGELIST}{order.pk}/change/").text

    assert f'<span class="order-number">{order.number}</span>' in listing and "£19.95" in listing
    assert "icon-no.svg" not in listing  # an order that needs nothing shows nothing, not a red cross
    assert "Awaiting payment → Paid" in page and "pending_payment" not in page.replace('value="pending_payment"', "")
    assert "£19.95" in page and "Expires at" not in page and ">VAT:<" in page
    assert f"https://dashboard.stripe.com/test/payments/{order.payment_intent}" in page


def test_staff_do_not_see_the_technical_models_and_a_refused_page_stays_in_the_admin(client):
    from django.contrib.auth.models import Group

    from shop.roles import STAFF

    member = UserFactory(is_staff=True, username="sam")
    member.groups.add(Group.objects.get(name=STAFF))
    client.force_login(member)
    index = client.get("/admin/").text

    assert "Orders" in index and "Outbox" not in index and "Stripe events" not in index
    refused = client.get("/admin/auth/user/")
    assert refused.status_code == 403 and "You cannot open this page" in refused.text and 'id="site-name"' in refused.text


# --- The order page staff work from --------------------------------------------------------


def test_the_order_page_has_one_timeline_of_statuses_emails_the_warehouse_refunds_and_notes(client, staff, api, stripe_emulator, seed):
    from worker import services as worker_services

    order = paid(place(api, (seed.isbn, 2)))
    confirmation = order.outbox.get(kind="confirmation")
    worker_services.outbox_process(confirmation.pk)
    services.order_refund(order=order, quantities={order.lines.get().pk: 1}, reason="Damaged copy", message="Sorry!")
    assert client.post(f"{CHANGELIST}{order.pk}/note/", {"text": "Reader rang: keep the other copy."}).status_code == 302

    page = client.get(f"{CHANGELIST}{order.pk}/change/")
    timeline = [(moment.kind, moment.what) for moment in page.context["timeline"]]

    assert ("status", "Awaiting payment → Paid") in timeline
    assert ("email", "Order confirmation email: sent") in timeline
    assert ("warehouse", "Fulfilment request to the warehouse: waiting to be sent") in timeline
    assert ("refund", "Refund of £8.50: refunded") in timeline
    assert ("note", "Note") in timeline
    assert [moment.at for moment in page.context["timeline"]] == sorted(moment.at for moment in page.context["timeline"])
    text = page.text
    assert "Reader rang: keep the other copy." in text and "margaret" in text and "message to the reader: Sorry!" in text


def test_staff_correct_the_address_before_the_warehouse_has_the_order_and_the_old_one_is_noted(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 1)))
    form = {"name": "Ada Reader", "line1": "2 Low St", "line2": "", "city": "Leeds", "postcode": "ls2 9jt"}

    response = client.post(f"{CHANGELIST}{order.pk}/address/", form)

    assert response.status_code == 302
    corrected = Order.objects.get(pk=order.pk)
    assert (corrected.line1, corrected.postcode) == ("2 Low St", "LS2 9JT")
    assert "It was: A Reader, 1 High St, Leeds, LS1 1AA, United Kingdom." in corrected.notes.get().text


def test_the_address_cannot_be_corrected_once_the_warehouse_has_the_order(client, staff, api, stripe_emulator, seed):
    from worker import services as worker_services

    order = paid(place(api, (seed.isbn, 1)))
    worker_services.outbox_process(order.outbox.get(kind="fulfilment").pk)
    form = {"name": "Ada Reader", "line1": "2 Low St", "line2": "", "city": "Leeds", "postcode": "LS2 9JT"}

    page = client.post(f"{CHANGELIST}{order.pk}/address/", form)

    assert page.status_code == 200 and "cannot be corrected" in page.text
    assert Order.objects.get(pk=order.pk).line1 == "1 High St"


def test_an_invalid_postcode_is_refused_by_field(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 1)))

    page = client.post(f"{CHANGELIST}{order.pk}/address/", {"name": "A", "line1": "1", "city": "Leeds", "postcode": "nope"})

    assert page.context["form"].errors["postcode"] == ["nope is not a UK postcode (like SW1A 1AA)."]


def test_resending_the_confirmation_is_its_own_entry_each_time_on_the_timeline(client, staff, api, stripe_emulator, seed):
    from django.core import mail

    from orders.books import books_check
    from worker import services as worker_services

    order = paid(place(api, (seed.isbn, 1)))
    assert "goes again to" in client.get(f"{CHANGELIST}{order.pk}/resend-confirmation/").text
    client.post(f"{CHANGELIST}{order.pk}/resend-confirmation/")
    client.post(f"{CHANGELIST}{order.pk}/resend-confirmation/")

    resends = order.outbox.filter(kind="confirmation_resend")
    assert resends.count() == 2 and len({entry.key for entry in resends}) == 2
    for entry in [*resends, order.outbox.get(kind="confirmation")]:
        worker_services.outbox_process(entry.pk)
    assert [message.subject for message in mail.outbox].count(f"Your order {order.number} is confirmed (sent again)") == 2
    assert all(message.attachments for message in mail.outbox)  # each with its receipt
    books = books_check(grace=__import__("datetime").timedelta(days=1))
    assert books.confirmations_resent == 2 and not [p for p in books.problems if "confirmation" in p.detail]


def test_staff_record_a_dispatch_by_hand_and_the_reader_gets_the_dispatch_email(client, staff, api, stripe_emulator, seed):
    from django.core import mail

    from worker import services as worker_services

    order = paid(place(api, (seed.isbn, 1)))
    response = client.post(f"{CHANGELIST}{order.pk}/dispatch/", {"carrier": "Royal Mail", "tracking_number": "RM123456789GB"})

    assert response.status_code == 302
    dispatched = Order.objects.get(pk=order.pk)
    assert (dispatched.status, dispatched.carrier) == ("dispatched", "Royal Mail")
    assert dispatched.status_changes.last().changed_by == staff
    worker_services.outbox_process(dispatched.outbox.get(kind="dispatch").pk)
    assert "RM123456789GB" in mail.outbox[-1].body


def test_the_packing_slip_lists_the_copies_still_to_send_and_the_address(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 3)))
    services.order_refund(order=order, quantities={order.lines.get().pk: 1})

    slip = client.get(f"{CHANGELIST}{order.pk}/packing-slip/")

    assert slip.status_code == 200
    assert [(line["isbn"], line["quantity"]) for line in slip.context["lines"]] == [(seed.isbn, 2)]
    assert "1 High St" in slip.text and "LS1 1AA" in slip.text and order.number in slip.text
    assert "<script" not in slip.text
