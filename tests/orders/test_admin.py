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
    assert "pending_payment" in page and "paid" in page
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

    response = client.post(
        f"{CHANGELIST}{order.pk}/refund/",
        {f"line_{line.pk}": "1", f"line_{order.lines.get(isbn=other.isbn).pk}": "0", "restock": "on", "reason": "Damaged in post"},
    )

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


def test_staff_refund_whole_orders_from_the_list(client, staff, api, stripe_emulator, seed):
    order = paid(place(api, (seed.isbn, 2)))

    client.post(CHANGELIST, {"action": "refund_in_full", "_selected_action": [order.pk]})

    order.refresh_from_db()
    assert order.status == "refunded"
    assert order.refunds.get().amount == order.total
