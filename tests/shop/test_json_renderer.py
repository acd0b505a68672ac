"""The API's JSON is written by orjson (shop.api.JSONRenderer), byte for byte as DRF's own
renderer writes it."""

import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from shop.api import JSONRenderer
from tests.factories import CommentFactory, PublicationFactory
from tests.payments import order_body


def test_every_kind_of_value_the_api_sends_is_written_as_drf_writes_it():
    data = ReturnDict(
        {
            "text": "Zoë Łódź-Dvořák, “quoted”, \\ \" \t\n and a line\u2028or paragraph\u2029separator",
            "numbers": [0, -7, 2**63 - 1, True, False, None],
            "decimal": Decimal("8.50"),
            "lazy": gettext_lazy("This field is required."),
            "utc": datetime(2026, 11, 28, 9, 5, 7, 123456, tzinfo=timezone.utc),
            "offset": datetime(2026, 6, 1, 23, 59, 59, 999, tzinfo=timezone(timedelta(hours=1))),
            "naive": datetime(2026, 1, 2, 3, 4, 5),
            "day": date(1999, 12, 31),
            "time": time(14, 30, 15, 250000),
            "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "nested": ReturnList([{"isbn": "9781909029088", "items": ({"n": 1},)}], serializer=None),
            7: "an integer key",
        },
        serializer=None,
    )

    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)


def test_an_indented_answer_is_drfs_to_write():
    data = {"a": [1, {"b": "c"}]}

    assert JSONRenderer().render(data, "application/json; indent=4") == DRFJSONRenderer().render(data, "application/json; indent=4")


@pytest.mark.django_db
def test_the_apis_answers_are_written_as_drf_writes_them(api):
    book = PublicationFactory(title="Zoë’s report\u2028on care")
    CommentFactory(publication=book, status="approved", body="Thank you — “useful”.")

    answers = [
        api.get("/api/publications/"),
        api.get(f"/api/publications/{book.isbn}/"),
        api.get(f"/api/publications/{book.isbn}/comments/"),
        api.get("/api/delivery-methods/"),
        api.get("/api/publications/9780000000002/"),  # 404
        api.post("/api/orders/", {**order_body((book.isbn, 0)), "email": "not an address"}, format="json"),  # 400
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 404, 400]
    for answer in answers:
        assert type(answer.accepted_renderer) is JSONRenderer
        assert answer.content == DRFJSONRenderer().render(answer.data)
