"""Refunds of chosen copies, of the delivery, of a custom amount (spread over what is left of the
lines and the delivery by gross) or of everything left; each part stores its VAT."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orders import refunds, services
from orders.errors import RefundRefused
from orders.models import Order, Refund
from tests.factories import PublicationFactory
from tests.payments import order_body, paid_by_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(api, stripe_emulator):
    """2 × £8.50 at 0% and 1 × £12.00 at 20% (£2.00 VAT), UK express £6.50 (zero-rated): £35.50."""
    report = PublicationFactory(title="Report", price=Decimal("8.50"), stock=10)
    bundle = PublicationFactory(title="Bundle", price=Decimal("12.00"), vat_rate=Decimal("0.200"), stock=10)
    number = api.post("/api/orders/", order_body((report.isbn, 2), (bundle.isbn, 1), method="uk-express"), format="json").json()["number"]
    placed = paid_by_card(number)
    assert (placed.total, placed.vat, placed.delivery) == (Decimal("35.50"), Decimal("2.00"), Decimal("6.50"))
    return placed


def line(order, title):
    return order.lines.get(title=title)


def fresh(order):
    return Order.objects.get(pk=order.pk)


def test_a_custom_amount_is_spread_over_the_lines_and_delivery_by_gross_with_the_vat_inside_each_part(order):
    refund = services.order_refund(order=order, amount=Decimal("10.00"), reason="Goodwill", message="Sorry for the wait.")

    parts = {part.order_line.title: (part.quantity, part.amount, part.vat) for part in refund.lines.all()}
    # 17.00, 12.00 and 6.50 of 35.50: 4.788.., 3.380.. and 1.830..; the leftover penny to the largest remainder.
    assert parts == {"Report": (0, Decimal("4.79"), Decimal("0.00")), "Bundle": (0, Decimal("3.38"), Decimal("0.56"))}
    assert (refund.delivery_amount, refund.delivery_vat, refund.amount) == (Decimal("1.83"), Decimal("0.00"), Decimal("10.00"))
    assert refund.status == "succeeded" and fresh(order).status == "partially_refunded"
    assert not fresh(order).lines.filter(refund_lines__quantity__gt=0).exists()  # no copies came back


def test_a_refund_of_the_delivery_alone(order):
    refund = services.order_refund(order=order, delivery=True)

    assert (refund.amount, refund.delivery_amount, refund.lines.count()) == (Decimal("6.50"), Decimal("6.50"), 0)
    with pytest.raises(ValidationError) as refused:
        refunds.refund_plan(fresh(order), delivery=True)
    assert "delivery" in refused.value.message_dict


def test_chosen_copies_and_the_delivery_together(order):
    refund = services.order_refund(order=order, quantities={line(order, "Bundle").pk: 1}, delivery=True, restock=True)

    assert refund.amount == Decimal("18.50")
    assert [(p.quantity, p.amount, p.vat) for p in refund.lines.all()] == [(1, Decimal("12.00"), Decimal("2.00"))]


def test_after_a_custom_amount_the_rest_refunds_exactly_what_is_left_and_all_the_vat(order):
    first = services.order_refund(order=order, amount=Decimal("10.00"))
    rest = services.order_refund(order=fresh(order))

    assert first.amount + rest.amount == order.total and fresh(order).status == "refunded"
    vat = sum(p.vat for r in (first, rest) for p in r.lines.all()) + first.delivery_vat + rest.delivery_vat
    assert vat == order.vat
    copies = {p.order_line.title: p.quantity for p in rest.lines.all()}
    assert copies == {"Report": 2, "Bundle": 1}  # the copies go with the rest, at what is left of their price


def test_the_last_copies_take_the_vat_left_on_their_line(api, stripe_emulator):
    cheap = PublicationFactory(price=Decimal("0.55"), vat_rate=Decimal("0.200"), stock=10)
    placed = paid_by_card(api.post("/api/orders/", order_body((cheap.isbn, 3)), format="json").json()["number"])
    only = placed.lines.get()

    one = services.order_refund(order=placed, quantities={only.pk: 1})
    two = services.order_refund(order=fresh(placed), quantities={only.pk: 2})

    assert [r.lines.get().vat for r in (one, two)] == [Decimal("0.09"), Decimal("0.19")] and only.vat == Decimal("0.28")


def test_more_than_is_left_is_refused_and_nothing_is_written(order):
    services.order_refund(order=order, amount=Decimal("30.00"))

    with pytest.raises(RefundRefused):
        services.order_refund(order=fresh(order), amount=Decimal("5.51"))
    with pytest.raises(ValidationError) as refused:
        refunds.refund_plan(fresh(order), amount=Decimal("1.005"))
    assert "amount" in refused.value.message_dict
    assert Refund.objects.filter(order=order).count() == 1


def test_a_plan_writes_nothing(order, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        plan = refunds.refund_plan(order, amount=Decimal("35.50"))

    assert plan.amount == order.total and sum(row["vat"] for row in plan.vat_by_rate()) == order.vat
    assert not Refund.objects.exists()
