"""The back office's front page: the day's work as counts that open exactly the rows they count,
and today's and this week's takings as the finance reports' summary counts them."""

import re
import types
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from catalogue.models import Comment
from orders import selectors, services, working_days
from reports import finance
from orders.models import Order, Refund
from shop import roles
from tests.factories import CommentFactory, PublicationFactory, StaffFactory
from tests.payments import order_body, paid_by_card

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# A Tuesday; the order sent on the Thursday before has been with the warehouse for three working
# days (Friday, Monday, Tuesday) across the weekend; the one sent on Friday, for two.
TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)


def test_working_days_skip_weekends_and_bank_holidays():
    assert working_days.late_before(TUESDAY, 2) == datetime(2026, 11, 27, tzinfo=LONDON)  # Friday: Thursday's is late
    # Tuesday 29 December 2026: Christmas (Friday) and Boxing Day's substitute (Monday 28th) are not working days.
    assert working_days.late_before(datetime(2026, 12, 29, 9, 0, tzinfo=LONDON), 1) == datetime(2026, 12, 24, tzinfo=LONDON)
    assert not working_days.is_working_day(date(2026, 8, 31))  # the summer bank holiday in England
    assert working_days.is_working_day(date(2026, 8, 3))  # Scotland's, not England's


@pytest.fixture
def staff(client):
    user = StaffFactory(username="margaret")
    user.groups.add(Group.objects.get(name=roles.STAFF))
    client.force_login(user)
    return user


def place(api, publication, copies=1):
    return Order.objects.get(number=api.post("/api/orders/", order_body((publication.isbn, copies)), format="json").json()["number"])


@pytest.fixture
def known_day(api, stripe_emulator, seed, monkeypatch):
    """3 flagged orders, 2 paid but not sent, 1 at the warehouse for 3 working days across a
    weekend (and 1 for only 2), 4 comments waiting, 2 titles below their level, and a refund."""
    monkeypatch.setattr(selectors, "timezone", types.SimpleNamespace(now=lambda: TUESDAY, localtime=timezone.localtime))
    title = PublicationFactory(title="Plenty", stock=500)
    flagged = [place(api, title) for _ in range(3)]
    Order.objects.filter(pk__in=[o.pk for o in flagged]).update(needs_attention=True, attention_reason="Look")
    not_sent = [paid_by_card(place(api, title).number) for _ in range(2)]
    services.order_refund(order=not_sent[1], delivery=True, reason="Slow")  # partly refunded, not yet sent: still counted
    sent_by_hand = paid_by_card(place(api, title).number)  # paid, but no longer for the warehouse
    Order.objects.filter(pk=sent_by_hand.pk).update(status=Order.Status.DISPATCHED, dispatched_at=TUESDAY)
    late, on_time = (paid_by_card(place(api, title).number) for _ in range(2))
    for order, sent in ((late, datetime(2026, 11, 26, 15, 0, tzinfo=LONDON)), (on_time, datetime(2026, 11, 27, 9, 0, tzinfo=LONDON))):
        Order.objects.filter(pk=order.pk).update(status=Order.Status.FULFILMENT_REQUESTED, sent_to_warehouse_at=sent)
    refund = services.order_refund(order=on_time, delivery=True, reason="Late")
    waiting = CommentFactory.create_batch(4, publication=title, status=Comment.Status.PENDING)
    CommentFactory(publication=title)  # approved: not waiting
    low = [PublicationFactory(title="Low A", stock=2, reorder_level=5), PublicationFactory(title="Low B", stock=5, reorder_level=5)]
    PublicationFactory(title="Fine", stock=6, reorder_level=5)
    seed.stock, seed.reorder_level = 100, 5
    seed.save()
    return types.SimpleNamespace(
        flagged=flagged, not_sent=not_sent, late=[late], waiting=waiting, low=low,
        paid=[*not_sent, sent_by_hand, late, on_time], refund=refund,
    )  # fmt: skip


def counts_on(page: str) -> dict[str, tuple[int, str]]:
    found = re.findall(r'<a href="([^"]+)"><span class="count">(\d+)</span> <span class="label">([^<]+)</span>', page)
    return {label: (int(count), link.replace("&amp;", "&")) for link, count, label in found}


def test_the_front_page_counts_the_days_work_and_each_count_lists_exactly_its_rows(client, staff, known_day):
    page = client.get("/admin/")
    counts = counts_on(page.text)

    assert "Print shop: back office" in page.text
    assert {label: count for label, (count, _) in counts.items()} == {
        "Orders needing attention": 3,
        "Paid, not yet at the warehouse": 2,
        "At the warehouse more than 2 working days, not dispatched": 1,
        "Comments awaiting moderation": 4,
        "Titles at or below their reorder level": 2,
    }
    listed = {label: client.get(link) for label, (_, link) in counts.items()}
    orders_in = lambda response: {o.number for o in response.context["cl"].result_list}  # noqa: E731
    assert orders_in(listed["Orders needing attention"]) == {o.number for o in known_day.flagged}
    assert orders_in(listed["Paid, not yet at the warehouse"]) == {o.number for o in known_day.not_sent}
    assert orders_in(listed["At the warehouse more than 2 working days, not dispatched"]) == {o.number for o in known_day.late}
    assert {c.pk for c in listed["Comments awaiting moderation"].context["cl"].result_list} == {c.pk for c in known_day.waiting}
    assert [p.title for p in listed["Titles at or below their reorder level"].context["publications"]] == ["Low A", "Low B"]


def test_the_front_page_takings_are_payments_less_refunds_as_the_summary_report_counts_them(client, staff, known_day):
    page = client.get("/admin/")
    [today, week] = page.context["takings"]

    paid = sum((order.total for order in known_day.paid), Decimal("0.00"))
    refunded = sum((refund.amount for refund in Refund.objects.all()), Decimal("0.00"))  # the late order's and a not-sent one's
    assert (today.takings.orders, today.takings.paid, today.takings.refunded) == (len(known_day.paid), paid, refunded)
    assert f"£{paid - refunded}" in page.text
    summary_days = [row for row in finance.summary_rows(today.period, False) if row[0] == "day"]
    assert sum(row[7] for row in summary_days) - sum(row[8] for row in summary_days) == today.takings.net
    assert week.takings.net >= today.takings.net
    paid_today = client.get(today.link).context["cl"].result_list
    assert {o.number for o in paid_today} == {o.number for o in known_day.paid}


def test_staff_do_not_see_the_technical_models_on_the_front_page(client, staff):
    page = client.get("/admin/").text

    assert "Outbox" not in page and "Stripe events" not in page
    assert "Orders" in page


def test_a_low_title_shows_its_days_left_from_the_last_weeks_sales_and_downloads_as_csv(client, staff, api, stripe_emulator, settings):
    settings.STOCK_SALES_DAYS = 28
    selling = PublicationFactory(title="Selling", stock=20, reorder_level=10)
    for _ in range(2):
        paid_by_card(place(api, selling, copies=7).number)  # 14 sold in 28 days: half a copy a day; 6 left
    PublicationFactory(title="Still", stock=3, reorder_level=10)  # low, but nothing sold

    page = client.get("/admin/catalogue/publication/low-stock/")
    rows = [(p.title, p.stock, p.sold, p.days_left) for p in page.context["publications"]]
    assert rows == [("Selling", 6, 14, Decimal("12.0")), ("Still", 3, 0, None)]
    csv = client.get("/admin/catalogue/publication/low-stock/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[1].startswith("Selling,")
