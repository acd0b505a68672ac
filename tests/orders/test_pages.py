"""Buying through the pages: Buy button, basket, checkout, payment page, order status."""

import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from catalogue import services as catalogue_services
from catalogue.cache import current_version
from orders import gateway, services
from orders.models import Order
from tests.factories import PublicationFactory
from tests.payments import order_body, paid_by_card, payment_method

pytestmark = pytest.mark.django_db

ADDRESS = {
    "email": "reader@example.org", "name": "A Reader", "line1": "1 High St", "line2": "", "city": "Leeds",
    "postcode": "LS1 1AA", "country": "GB", "delivery_method": "uk-standard",
}  # fmt: skip


def test_the_buy_button_adds_to_the_basket_with_a_working_csrf_token(seed):
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(f"/publications/{seed.slug}/").text
    token = BeautifulSoup(page, "html.parser").select_one("#buy-form input[name=csrfmiddlewaretoken]")["value"]

    response = reader.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1", "csrfmiddlewaretoken": token}, follow=True)

    assert response.status_code == 200
    assert "Patient-centred leadership" in response.text
    assert "Basket <span class=\"basket-count\">(1" in response.text


def test_an_out_of_stock_publication_cannot_be_added(client):
    gone = PublicationFactory(stock=0)

    response = client.post("/basket/add/", {"isbn": gone.isbn, "quantity": "1"}, follow=True)

    assert "out of stock" in response.text
    assert client.session.get("basket", {}) == {}


def test_the_basket_updates_quantities_removes_and_lists_every_delivery_price(client, seed):
    other = PublicationFactory(title="Other report", price=Decimal("12.00"), stock=5)
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "2"})
    client.post("/basket/add/", {"isbn": other.isbn, "quantity": "1"})

    client.post("/basket/update/", {f"quantity-{seed.isbn}": "1", f"quantity-{other.isbn}": "1"})
    page = BeautifulSoup(client.get("/basket/").text, "html.parser")
    assert page.select_one(".totals .grand + dd").get_text() == "£20.50"  # 8.50 + 12.00
    assert [li.get_text() for li in page.select(".delivery-prices li")][:2] == [
        "UK standard (Royal Mail 2nd class): £2.95 (free over £25), 2-4 working days",
        "UK express (tracked, next working day): £6.50, next working day",
    ]
    assert not page.select("select[name=delivery_method]")  # delivery is chosen once, at checkout

    client.post("/basket/update/", {"remove": other.isbn, f"quantity-{seed.isbn}": "1"})
    assert client.session["basket"] == {seed.isbn: 1}


def test_asking_for_more_copies_than_are_in_stock_gives_what_there_is_naming_the_title(client):
    scarce = PublicationFactory(title="Scarce", stock=2)
    client.post("/basket/add/", {"isbn": scarce.isbn, "quantity": "5"})

    assert "Only 2 copies of “Scarce” are in stock: your basket now has 2." in client.get("/basket/").text
    assert client.session["basket"] == {scarce.isbn: 2}

    client.post("/basket/update/", {f"quantity-{scarce.isbn}": "4"})
    assert client.session["basket"] == {scarce.isbn: 2}


def test_copies_typed_in_the_basket_apply_on_the_way_to_checkout(client, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})

    response = client.post("/basket/update/", {f"quantity-{seed.isbn}": "3", "delivery_method": "uk-standard", "checkout": "1"})

    assert response.status_code == 302 and response["Location"] == "/checkout/"
    assert client.session["basket"] == {seed.isbn: 3}
    assert "£25.50" in client.get("/checkout/").text


def test_checkout_errors_are_shown_next_to_their_fields(client, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})

    response = client.post("/checkout/", {**ADDRESS, "email": "nope", "postcode": "", "delivery_method": "europe-standard"})

    assert response.status_code == 400
    for field in ("email", "postcode", "delivery_method"):
        assert f'id="id_{field}-error"' in response.text
    assert Order.objects.count() == 0


def test_checkout_places_the_order_and_the_payment_page_loads_stripe_js(client, stripe_emulator, seed, settings):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "2"})

    response = client.post("/checkout/", ADDRESS)

    assert response.status_code == 302 and response["Location"] == "/checkout/payment/"
    order = Order.objects.get()
    assert (order.total, order.email, order.lines.get().quantity) == (Decimal("19.95"), "reader@example.org", 2)
    page = client.get("/checkout/payment/").text
    assert f'<script src="{settings.STRIPE_JS_URL}"></script>' in page
    assert f'data-publishable-key="{settings.STRIPE_PUBLISHABLE_KEY}"' in page
    assert f'data-pay-url="/api/orders/{order.number}/pay/"' in page
    assert "Pay £19.95" in page


def test_submitting_checkout_twice_places_one_order(client, stripe_emulator, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "2"})
    client.get("/checkout/")
    session = client.session
    key = session["checkout"]["key"]

    client.post("/checkout/", ADDRESS)
    session = client.session
    session["checkout"]["key"] = key  # the browser resends the first submission
    session.save()
    client.post("/checkout/", ADDRESS)

    assert Order.objects.count() == 1
    seed.refresh_from_db()
    assert seed.stock == 48


def test_copies_gone_since_the_basket_send_the_reader_back_to_it_before_any_address(client, stripe_emulator):
    scarce = PublicationFactory(title="Scarce", stock=5)
    client.post("/basket/add/", {"isbn": scarce.isbn, "quantity": "3"})
    catalogue_services.stock_adjust(publication=scarce, delta=-3, reason="damaged")

    for response in (client.get("/checkout/"), client.post("/checkout/", ADDRESS)):
        assert response.status_code == 302 and response["Location"] == "/basket/"
    assert "Only 2 copies of “Scarce” are in stock." in client.get("/basket/").text
    assert client.session["basket"] == {scarce.isbn: 3} and not Order.objects.exists()


def test_pressing_enter_in_a_quantity_box_updates_rather_than_removes(client, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})
    client.post("/basket/add/", {"isbn": PublicationFactory(stock=5).isbn, "quantity": "1"})

    # A browser's implicit submission presses the form's first submit button.
    first_button = BeautifulSoup(client.get("/basket/").text, "html.parser").select_one("#basket-form button")

    assert first_button.get("name") is None  # no "remove", no "checkout": a plain update


def test_the_publication_page_has_a_quantity_box_that_fills_the_basket(client, seed):
    box = BeautifulSoup(client.get(f"/publications/{seed.slug}/").text, "html.parser").select_one("#buy-form input[name=quantity]")

    assert (box["type"], box["min"], box["max"]) == ("number", "1", "10")
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "3"})
    assert client.session["basket"] == {seed.isbn: 3}


def test_only_n_left_follows_each_sale_without_emptying_the_page_cache(client, settings):
    settings.CATALOGUE_CACHE_SECONDS = 300
    scarce = PublicationFactory(title="Scarce", stock=6)
    page = f"/publications/{scarce.slug}/"
    assert "Only" not in client.get(page).text  # 6 copies: above ONLY_N_LEFT (5)
    version = current_version()

    catalogue_services.stock_adjust(publication=scarce, delta=-2, reason="damaged")
    assert "Only 4 left" in client.get(page).text
    catalogue_services.stock_adjust(publication=scarce, delta=-1, reason="damaged")
    assert "Only 3 left" in client.get(page).text

    assert current_version() == version


def test_the_status_page_shows_the_paid_order_and_empties_the_basket(client, stripe_emulator, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})
    client.post("/checkout/", ADDRESS)
    order = Order.objects.get()
    pending = client.get(f"/orders/{order.number}/?token={order.token}").text
    assert 'data-status="pending_payment"' in pending

    services.order_pay(order=order, payment_method=payment_method("visa"))
    page = client.get(f"/orders/{order.number}/?token={order.token}").text

    assert 'data-status="paid"' in page
    assert "Thank you" in page and "£11.45" in page
    assert ": Awaiting payment</li>" in page and ": Paid</li>" in page and "ISBN 978-1-909029-08-8" in page
    assert client.session["basket"] == {}
    assert client.get(f"/orders/{order.number}/?token=wrong").status_code == 404


def test_each_delivery_choice_at_checkout_has_its_price_and_the_totals_it_makes(client, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "2"})

    page = BeautifulSoup(client.get("/checkout/").text, "html.parser")

    choices = {radio["value"]: radio for radio in page.select("input[name=delivery_method]")}
    assert page.select_one("label[for=delivery-uk-standard]").get_text(" ", strip=True) == (
        "UK standard (Royal Mail 2nd class): £2.95 (free over £25) , 2-4 working days"
    )
    assert (choices["uk-standard"]["data-delivery"], choices["uk-standard"]["data-total"]) == ("£2.95", "£19.95")
    assert (choices["uk-express"]["data-delivery"], choices["uk-express"]["data-total"]) == ("£6.50", "£23.50")
    assert choices["uk-standard"].has_attr("checked")
    assert page.select_one("[data-total-part=total]").get_text() == "£19.95"
    assert page.select_one("script[src$='orders/checkout.js']")


def test_after_a_submit_without_javascript_the_totals_follow_the_choice(client, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "2"})

    response = client.post("/checkout/", {**ADDRESS, "delivery_method": "uk-express", "email": "not-an-email"})

    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("input[value=uk-express]").has_attr("checked")
    assert [page.select_one(f"[data-total-part={part}]").get_text() for part in ("method", "delivery", "total")] == [
        "UK express (tracked, next working day)", "£6.50", "£23.50",
    ]  # fmt: skip


def test_the_payment_page_repeats_the_whole_breakdown_equal_to_the_amount_charged(client, seed, stripe_emulator):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "2"})
    client.post("/checkout/", {**ADDRESS, "delivery_method": "uk-express"})

    page = BeautifulSoup(client.get("/checkout/payment/").text, "html.parser")

    order = Order.objects.get()
    assert [li.get_text() for li in page.select(".order-lines li")] == [f"2 × {seed.title} at £8.50: £17.00"]
    totals = [dd.get_text() for dd in page.select(".totals dd")]
    assert totals == ["£17.00", "£6.50", "£0.00", "£23.50"]
    assert page.select_one("#pay-button").get_text() == "Pay £23.50"
    assert gateway.payment_intent_retrieve(order.payment_intent).amount_pence == 2350  # what Stripe will charge


@pytest.fixture
def card_paid_order(api, stripe_emulator, seed):
    """Two copies ordered and paid with a card at the emulator, so that refunds reach it."""
    return paid_by_card(api.post("/api/orders/", order_body((seed.isbn, 2)), format="json").json()["number"])


def test_after_a_refund_the_readers_page_shows_the_copies_and_the_amount(client, card_paid_order, django_assert_max_num_queries):
    paid_order = card_paid_order
    line = paid_order.lines.get()
    services.order_refund(order=paid_order, quantities={line.pk: 1})

    with django_assert_max_num_queries(8):
        response = client.get(f"/orders/{paid_order.number}/?token={paid_order.token}")

    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one(".order-status").get_text() == "Partly refunded"
    assert page.select_one("td.copies").get_text(" ", strip=True) == "2 (1 refunded)"
    assert ": £8.50, for 1 × Patient-centred leadership, back to your card: credit note CN-" in page.select_one(".refunds li").get_text()
    assert (page.select_one(".refunded-total").get_text(), page.select_one(".net-paid").get_text()) == ("£8.50", "£11.45")


def test_the_orders_api_includes_its_refunds(api, card_paid_order):
    paid_order = card_paid_order
    line = paid_order.lines.get()
    services.order_refund(order=paid_order, quantities={line.pk: 1})

    data = api.get(f"/api/orders/{paid_order.number}/", {"token": paid_order.token}).json()

    assert [(r["amount"], r["status"], r["lines"]) for r in data["refunds"]] == [
        ("8.50", "succeeded", [{"isbn": line.isbn, "quantity": 1, "amount": "8.50"}])
    ]


def test_a_method_refused_for_the_country_stays_the_readers_choice(client, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})

    response = client.post("/checkout/", {**ADDRESS, "country": "FR", "postcode": "75001", "delivery_method": "uk-express"})

    page = BeautifulSoup(response.text, "html.parser")
    assert response.status_code == 400 and page.select_one("#id_delivery_method-error")
    assert [radio["value"] for radio in page.select("input[name=delivery_method][checked]")] == ["uk-express"]


def test_checkout_with_an_unreadable_quantity_stays_on_the_basket(client, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})

    response = client.post("/basket/update/", {f"quantity-{seed.isbn}": "two", "checkout": "1"})

    assert response["Location"] == "/basket/"
