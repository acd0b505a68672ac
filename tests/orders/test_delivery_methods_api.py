"""GET /api/delivery-methods/: what an API client may choose as delivery_method, with prices."""

import pytest

from orders import selectors
from orders.models import DeliveryMethod, DeliveryZone

pytestmark = pytest.mark.django_db


def test_the_methods_for_a_country_come_with_their_prices_and_windows(api):
    response = api.get("/api/delivery-methods/", {"country": "GB"})

    assert response.status_code == 200
    assert response.json() == [
        {"code": "uk-standard", "name": "UK standard (Royal Mail 2nd class)", "price": "2.95", "free_over": "25.00",
         "delivery_window": "2-4 working days"},
        {"code": "uk-express", "name": "UK express (tracked, next working day)", "price": "6.50", "free_over": None,
         "delivery_window": "next working day"},
    ]  # fmt: skip


def test_a_country_no_zone_lists_gets_the_rest_of_the_worlds_methods(api):
    codes = [method["code"] for method in api.get("/api/delivery-methods/", {"country": "JP"}).json()]

    assert codes == list(DeliveryMethod.objects.filter(zone__rest_of_world=True, active=True).values_list("code", flat=True))
    assert codes and "uk-standard" not in codes


def test_a_zone_is_found_by_a_whole_code_it_lists_and_never_by_part_of_one():
    islands = DeliveryZone.objects.create(code="islands", name="Islands", countries=["AG", "BF", "KI"])
    rest_of_world = DeliveryZone.objects.get(rest_of_world=True)

    assert [selectors.delivery_zone_for(code) for code in ("AG", "BF", "KI")] == [islands] * 3
    assert [selectors.delivery_zone_for(code) for code in ("GB", "G", "G,B", "E", "")] == [DeliveryZone.objects.get(code="uk")] + [rest_of_world] * 4


def test_without_a_country_every_active_method_is_listed(api):
    DeliveryMethod.objects.filter(code="uk-express").update(active=False)

    codes = {method["code"] for method in api.get("/api/delivery-methods/").json()}

    assert codes == set(DeliveryMethod.objects.filter(active=True).values_list("code", flat=True))
    assert "uk-express" not in codes


def test_an_unknown_country_is_a_400_naming_the_field(api):
    response = api.get("/api/delivery-methods/", {"country": "XX"})

    assert response.status_code == 400 and "country" in response.json()


def test_the_schema_says_where_the_codes_delivery_method_takes_are_listed(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["OrderCreateRequest"]["properties"]["delivery_method"]

    assert "GET /api/delivery-methods/?country=" in field["description"]
    assert "/api/delivery-methods/" in schema["paths"]
