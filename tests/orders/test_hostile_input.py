"""What an attacker tried (issue 12), each a 400 or a limit that holds, never a server error or a leak."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Comment
from orders.models import Order
from tests.payments import order_body

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", ["/api/orders/", "/api/orders/PS-AAAA-BBBB/pay/", "/api/publications/9781909029088/comments/"])
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(api, seed, path):
    response = api.post(path, nested(3000), content_type="application/json")

    assert response.status_code == 400
    assert "nested more than" in response.json()["detail"]


def test_json_nested_a_little_past_the_limit_is_a_400_too(api, seed):
    body = order_body((seed.isbn, 1))
    body["delivery"]["line2"] = json.loads(nested(12))

    assert api.post("/api/orders/", body, format="json").status_code == 400


def test_a_nul_inside_a_json_string_is_a_400(api, seed, stripe_emulator):
    body = order_body((seed.isbn, 1))
    body["delivery"]["city"] = "Leeds\x00"

    response = api.post("/api/orders/", body, format="json")

    assert response.status_code == 400 and Order.objects.count() == 0


def test_an_idempotency_key_longer_than_its_column_is_a_400_naming_it(api, seed, stripe_emulator):
    too_long = api.post("/api/orders/", order_body((seed.isbn, 1)), format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    longest = api.post("/api/orders/", order_body((seed.isbn, 1)), format="json", HTTP_IDEMPOTENCY_KEY="k" * 100)

    assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()
    assert longest.status_code == 201


def test_the_schema_declares_the_idempotency_keys_maximum_length(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    [header] = [p for p in schema["paths"]["/api/orders/"]["post"]["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and header["schema"]["maxLength"] == 100


@pytest.mark.parametrize("length, status", [(254, 201), (255, 400), (320, 400)])
def test_an_email_longer_than_its_column_is_a_400_through_the_api(api, seed, stripe_emulator, length, status):
    email = "a" * (length - len("@example.org")) + "@example.org"

    response = api.post("/api/orders/", order_body((seed.isbn, 1), email=email), format="json")

    assert response.status_code == status, response.content


def checkout(client, seed, **fields):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})
    data = {"email": "reader@example.org", "name": "A Reader", "line1": "1 High St", "line2": "", "city": "Leeds",
            "postcode": "LS1 1AA", "country": "GB", "delivery_method": "uk-standard", **fields}  # fmt: skip
    return client.post("/checkout/", data)


def test_an_email_longer_than_its_column_is_a_field_error_at_checkout(client, seed, stripe_emulator):
    response = checkout(client, seed, email="a" * 300 + "@example.org")

    assert response.status_code == 400
    assert "email" in response.context["form"].errors and Order.objects.count() == 0


def test_a_nul_in_a_form_field_is_a_400(client, seed):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "1"})

    response = client.post("/basket/update/", {"delivery_method": "uk-standard\x00"})

    assert response.status_code == 400


@pytest.mark.parametrize("quantity", ["²", "٣", "9" * 5000, "-1", "1e3"])
def test_a_basket_quantity_that_is_not_a_plain_number_leaves_the_basket_as_it_was(client, seed, quantity, settings):
    client.post("/basket/add/", {"isbn": seed.isbn, "quantity": "2"})

    response = client.post("/basket/update/", {f"quantity-{seed.isbn}": quantity}, follow=True)

    assert response.status_code == 200
    assert f"A quantity is a whole number from 0 to {settings.ORDER_MAX_COPIES}." in response.content.decode()
    assert client.session["basket"] == {seed.isbn: 2}


@pytest.mark.parametrize("field", ["name", "line1", "line2", "city", "postcode"])
def test_a_line_break_in_an_address_field_is_refused_by_the_api(api, seed, stripe_emulator, field):
    body = order_body((seed.isbn, 1))
    body["delivery"][field] = "LS1\n\n500 x"  # short enough for every column: an extra packing-list line

    response = api.post("/api/orders/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"delivery": {field: ["One line only: no line breaks or control characters."]}}


def test_a_line_break_in_an_address_field_is_a_field_error_at_checkout(client, seed, stripe_emulator):
    response = checkout(client, seed, line1="1 High St\r\nDeliver to: 9 Other Rd")

    assert response.status_code == 400
    assert response.context["form"].errors["line1"] == ["One line only: no line breaks or control characters."]


def test_the_form_and_the_api_share_one_comment_limit(client, api, seed, settings):
    settings.COMMENT_RATE = "3/10m"
    comment = {"name": "A Reader", "email": "reader@example.org", "job_title": "", "organisation": "", "body": "Useful."}

    answers = [api.post(f"/api/publications/{seed.isbn}/comments/", comment, format="json").status_code for _ in range(2)]
    answers += [client.post(f"/publications/{seed.slug}/comments/", comment).status_code for _ in range(2)]

    assert answers == [201, 201, 302, 429]
    assert Comment.objects.count() == 3


def test_order_answers_are_never_cached(client, api, seed, stripe_emulator):
    placed = api.post("/api/orders/", order_body((seed.isbn, 1)), format="json")
    order = Order.objects.get()

    answers = [
        placed,
        api.get(f"/api/orders/{order.number}/", {"token": order.token}),
        api.post(f"/api/orders/{order.number}/pay/", {"token": order.token, "payment_method": "pm_unknown"}, format="json"),
        client.get(f"/orders/{order.number}/", {"token": order.token}),
    ]

    for answer in answers:
        assert "no-store" in answer.get("Cache-Control", ""), (answer.status_code, answer.get("Cache-Control"), answer.wsgi_request.path)


def test_the_checkout_pages_orders_carry_a_request_fingerprint(client, seed, stripe_emulator):
    checkout(client, seed)

    assert len(Order.objects.get().request_fingerprint) == 64


def test_the_status_api_runs_the_same_queries_for_a_wrong_token_as_for_a_made_up_number(api, seed, stripe_emulator):
    api.post("/api/orders/", order_body((seed.isbn, 1)), format="json")
    order = Order.objects.get()

    def queries(number, token):
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/orders/{number}/", {"token": token}).status_code == 404
        return [query["sql"].replace(number, "?") for query in captured]

    assert queries(order.number, "wrong-token") == queries("PS-ZZZZ-ZZZZ", "wrong-token")


def test_a_wrong_token_costs_one_query_whatever_the_number(api, seed, stripe_emulator, django_assert_num_queries):
    api.post("/api/orders/", order_body((seed.isbn, 1)), format="json")
    order = Order.objects.get()

    for number in (order.number, "PS-ZZZZ-ZZZZ"):
        with django_assert_num_queries(1):
            api.get(f"/api/orders/{number}/", {"token": "wrong-token"})


def test_the_status_page_runs_the_same_queries_for_a_wrong_token_as_for_a_made_up_number(client, api, seed, stripe_emulator):
    api.post("/api/orders/", order_body((seed.isbn, 1)), format="json")
    order = Order.objects.get()

    def queries(number):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/orders/{number}/", {"token": "wrong-token"}).status_code == 404
        return [query["sql"].replace(number, "?") for query in captured]

    assert queries(order.number) == queries("PS-ZZZZ-ZZZZ")
