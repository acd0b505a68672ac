"""The books check (`manage.py check_books`): what balances and each way it can fail to."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalogue.models import Publication
from orders import services
from orders.books import books_check
from orders.models import Order, OutboxEntry
from tests.payments import order_body
from worker import services as worker_services

pytestmark = pytest.mark.django_db
NOW = timedelta(0)


def send_everything_owed(order):
    for entry in OutboxEntry.objects.filter(order=order):
        worker_services.outbox_process(entry.pk)
    assert set(OutboxEntry.objects.filter(order=order).values_list("status", flat=True)) == {"sent"}


@pytest.fixture
def sent_paid_order(paid_order, smtp_server, warehouse):
    send_everything_owed(paid_order)
    return paid_order


def problems(grace=NOW):
    return [str(problem) for problem in books_check(grace=grace).problems]


def test_a_paid_order_sent_to_the_warehouse_balances(sent_paid_order):
    books = books_check(grace=NOW)

    assert books.balanced, books.problems
    assert (books.orders, books.paid_orders) == (1, 1)


def test_an_order_awaiting_payment_before_it_expires_balances(api, stripe_emulator, seed):
    api.post("/api/orders/", order_body((seed.isbn, 3)), format="json")

    assert problems() == []


def test_stock_changed_outside_the_ledger_is_named(sent_paid_order, seed):
    Publication.objects.filter(pk=seed.pk).update(stock=99)

    assert problems() == ["stock: 9781909029088: stock is 99 but the ledger adds up to 48"]


def test_a_title_counting_other_copies_held_than_its_unpaid_orders_hold_is_named(api, stripe_emulator, seed):
    api.post("/api/orders/", order_body((seed.isbn, 3)), format="json")
    Publication.objects.filter(pk=seed.pk).update(held=1)

    assert problems() == ["held: 9781909029088: counts 1 copies held, but its unpaid orders hold 3"]


def test_a_cancelled_order_still_holding_its_copies_is_named(sent_paid_order):
    Order.objects.filter(pk=sent_paid_order.pk).update(status=Order.Status.CANCELLED)

    assert f"copies: {sent_paid_order.number}: cancelled order should hold 0 of 9781909029088, the ledger took 2" in problems()


def test_a_confirmation_not_yet_sent_is_in_progress_within_the_grace_and_owed_after(paid_order):
    assert problems(grace=timedelta(minutes=10)) == []

    owed = problems(grace=NOW)
    assert f"owed: {paid_order.number}: Order confirmation email: 0 sent, expected 1" in owed
    assert f"owed: {paid_order.number}: Fulfilment request to the warehouse: 0 sent, expected 1" in owed


def test_an_expired_order_nobody_cancelled_is_stuck(api, stripe_emulator, seed):
    number = api.post("/api/orders/", order_body((seed.isbn, 1)), format="json").data["number"]
    Order.objects.filter(number=number).update(expires_at=timezone.now() - timedelta(minutes=1))

    [problem] = problems()
    assert problem.startswith(f"stuck: {number}: awaiting payment, expired at ") and problem.endswith("and not cancelled")
    services.order_expire(order=Order.objects.get(number=number))
    assert problems() == []


def test_a_failed_fulfilment_request_is_stuck_and_flagged(paid_order, smtp_server, warehouse):
    warehouse.script = [400]
    for entry in OutboxEntry.objects.filter(order=paid_order):
        worker_services.outbox_process(entry.pk)

    found = problems()
    assert any(p.startswith(f"stuck: {paid_order.number}: fulfilment failed") for p in found), found
    assert any(p.startswith(f"attention: {paid_order.number}:") for p in found), found


def test_the_command_says_the_books_balance(sent_paid_order):
    out = StringIO()
    call_command("check_books", "--grace-minutes=0", stdout=out)

    assert "The books balance: 1 publications, 1 orders (1 paid)." in out.getvalue()


def test_the_command_fails_naming_each_problem(sent_paid_order, seed):
    Publication.objects.filter(pk=seed.pk).update(stock=99)
    out = StringIO()

    with pytest.raises(CommandError, match="The books do not balance: 1 problems"):
        call_command("check_books", stdout=out)
    assert "stock: 9781909029088: stock is 99 but the ledger adds up to 48" in out.getvalue()


def test_a_paid_order_without_a_receipt_and_a_gap_in_the_numbers_are_problems(sent_paid_order):
    sent_paid_order.receipt.delete()

    assert problems() == [
        f"documents: {sent_paid_order.number}: paid, but no receipt was issued",
        "documents: receipts: numbers missing: 1",
    ]
