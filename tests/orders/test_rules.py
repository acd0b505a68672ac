"""The order rules, each written once in orders/rules.py and enforced by order_place with its code."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from orders import rules, services
from orders.models import DeliveryMethod, Order
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"name": "A Reader", "line1": "1 High St", "line2": "", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"}


def place(*, items=None, address=None, method="uk-standard", email="reader@example.org", bulk=False):
    return services.order_place(
        email=email,
        address={**ADDRESS, **(address or {})},
        delivery_method=DeliveryMethod.objects.get(code=method),
        items=items if items is not None else [(PublicationFactory(stock=5), 1)],
        bulk=bulk,
    )


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


@pytest.mark.parametrize(
    "broken, field, code",
    [
        (lambda: {"items": [(PublicationFactory(stock=5), 1) for _ in range(rules.MAX_LINES + 1)], "bulk": True}, "items", "too_many_lines"),
        (lambda: {"items": [(PublicationFactory(stock=50), rules.max_copies() + 1)]}, "items", "too_many_copies"),
        (lambda: {"items": [(PublicationFactory(stock=500), rules.max_copies(bulk=True) + 1)], "bulk": True}, "items", "too_many_copies"),
        (lambda: {"items": [(PublicationFactory(stock=5, on_sale=False), 1)]}, "items", "not_on_sale"),
        (lambda: {"method": "europe-standard"}, "delivery_method", "delivery_method_unavailable"),
        (lambda: {"address": {"postcode": ""}}, "postcode", "postcode_required"),
        (lambda: {"address": {"postcode": "LS1"}}, "postcode", "postcode_invalid"),
        (lambda: {"address": {"line1": "1 High St\nDeliver to: 9 Other Rd"}}, "line1", "not_single_line"),
        (lambda: {"address": {"city": "x" * 101}}, "city", "too_long"),
    ],
    ids=["lines", "copies", "bulk-copies", "on-sale", "method", "postcode-missing", "postcode-bad", "single-line", "length"],
)
def test_order_place_names_each_broken_rule_by_its_code_and_places_nothing(broken, field, code):
    with pytest.raises(ValidationError) as refused:
        place(**broken())

    assert code in codes(refused.value)[field]
    assert not Order.objects.exists()


def test_a_card_payment_below_the_minimum_is_refused_with_its_code():
    free_delivery = DeliveryMethod.objects.get(code="uk-standard")
    free_delivery.price, free_delivery.free_over = Decimal("0.00"), None
    free_delivery.save()

    with pytest.raises(ValidationError) as refused:
        place(items=[(PublicationFactory(stock=5, price=Decimal("0.10")), 1)])

    assert codes(refused.value) == {"items": ["below_minimum_payment"]}


def test_every_broken_rule_is_named_at_once():
    with pytest.raises(ValidationError) as refused:
        place(address={"postcode": "nowhere"}, method="europe-standard",
              items=[(PublicationFactory(stock=50, on_sale=False), rules.max_copies() + 1)])  # fmt: skip

    assert codes(refused.value) == {
        "items": ["too_many_copies", "not_on_sale"], "postcode": ["postcode_invalid"],
        "delivery_method": ["delivery_method_unavailable"],
    }  # fmt: skip


def test_a_uk_postcode_is_stored_as_royal_mail_writes_it(stripe_emulator):
    order = place(address={"postcode": " sw1a1aa "})

    assert Order.objects.get(pk=order.pk).postcode == "SW1A 1AA"


def test_a_postcode_abroad_is_kept_as_given(stripe_emulator):
    order = place(address={"postcode": "75001", "country": "FR"}, method="europe-standard")

    assert Order.objects.get(pk=order.pk).postcode == "75001"


def test_the_checkout_page_and_the_api_say_the_same_as_the_rule(client, api, stripe_emulator):
    publication = PublicationFactory(stock=5)
    client.post("/basket/add/", {"isbn": publication.isbn, "quantity": "1"})
    form = {**ADDRESS, "email": "reader@example.org", "postcode": "LS1", "delivery_method": "uk-standard"}
    body = {"email": "reader@example.org", "delivery": {**ADDRESS, "postcode": "LS1"}, "delivery_method": "uk-standard",
            "items": [{"isbn": publication.isbn, "quantity": 1}]}  # fmt: skip

    page = client.post("/checkout/", form)
    answer = api.post("/api/orders/", body, format="json")

    message = "LS1 is not a UK postcode (like SW1A 1AA)."
    assert page.context["form"].errors["postcode"] == [message]
    assert answer.status_code == 400 and answer.json() == {"delivery": {"postcode": [message]}}


def test_the_api_schema_and_the_forms_read_the_limits_from_the_rules(api, client):
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    publication = PublicationFactory(stock=50)
    client.post("/basket/add/", {"isbn": publication.isbn, "quantity": "1"})

    assert schema["OrderCreateRequest"]["properties"]["items"]["maxItems"] == rules.MAX_LINES
    assert f'max="{rules.max_copies()}"' in client.get("/basket/").text


SOURCES = [*Path("orders").rglob("*.py"), *Path("orders").rglob("*.html"), *Path("catalogue/templates").rglob("*.html")]


@pytest.mark.parametrize("number", ["99", "30"])
def test_no_copy_of_a_rules_number_is_left_outside_the_rules(number):
    # Column sizes (max_length=30) are the database's, not the order rules.
    stray = [
        f"{path}:{n}: {line.strip()}"
        for path in SOURCES if "migrations" not in path.parts and path.name != "rules.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(rf"(?<![\w.]){number}(?![\w.])", line) and f"max_length={number}" not in line
        and "default=" not in line  # a command's own option default (seconds to wait)
    ]  # fmt: skip

    assert stray == []


def test_the_api_keeps_each_rules_code_on_its_message(api):
    publication = PublicationFactory(stock=5)
    body = {"email": "reader@example.org", "delivery": {**ADDRESS, "postcode": "LS1"}, "delivery_method": "uk-standard",
            "items": [{"isbn": publication.isbn, "quantity": 1}]}  # fmt: skip

    response = api.post("/api/orders/", body, format="json")

    assert [detail.code for detail in response.data["delivery"]["postcode"]] == ["postcode_invalid"]


def test_a_retried_order_is_the_order_placed_even_after_its_title_was_withdrawn(api, stripe_emulator):
    publication = PublicationFactory(stock=5)
    body = {"email": "reader@example.org", "delivery": ADDRESS, "delivery_method": "uk-standard",
            "items": [{"isbn": publication.isbn, "quantity": 1}]}  # fmt: skip
    first = api.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    publication.on_sale = False
    publication.save()

    again = api.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")

    assert again.status_code == 201 and again.json()["number"] == first.json()["number"]


def test_the_delivery_vat_rate_is_kept_with_the_order(stripe_emulator):
    method = DeliveryMethod.objects.get(code="uk-express")
    method.vat_rate = Decimal("0.2")
    method.save()
    order = place(method="uk-express")
    method.vat_rate = Decimal("0")
    method.save()

    order = Order.objects.prefetch_related("lines").get(pk=order.pk)
    assert [(row["rate"], row["vat"]) for row in order.vat_by_rate() if row["rate"]] == [(Decimal("20.000"), Decimal("1.08"))]
