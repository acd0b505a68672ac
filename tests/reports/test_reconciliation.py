"""Money as Stripe counts it: a month of orders, refunds (the shop's and one made in Stripe's
dashboard) and a lost dispute, a payout read from Stripe (a local peer answering as Stripe does)
and the same payout uploaded as Stripe's itemised export, and a reconciliation that matches
every line to the penny and names each difference."""

import csv
import io
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import stripe
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from orders import selectors, services
from orders.models import Order, Refund
from reports import finance, payouts
from reports.models import Payout
from tests.factories import PublicationFactory, StaffFactory
from tests.payments import order_body, paid_by_card, signed
from worker import services as worker_services

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).with_name("stripe-itemised-payout-reconciliation.csv")


def pence(amount: Decimal) -> int:
    return int(amount * 100)


def stripe_fee(amount: Decimal) -> Decimal:
    """UK cards: 1.5% + 20p, to the penny."""
    return (amount * Decimal("0.015") + Decimal("0.20")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def post_event(api, event_type: str, data: dict):
    body, signature = signed({"id": f"evt_{event_type}_{data['id']}_{time.monotonic_ns()}", "type": event_type, "data": {"object": data}})
    response = api.generic("POST", "/api/payments/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert response.status_code == 200, response.content
    return response.json()


def at_stripe():
    stripe.api_key, stripe.api_base = settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE


class Month:
    """The orders of the month, and the balance transactions Stripe's payout carried for them."""

    def __init__(self, api):
        report = PublicationFactory(title="Report", price=Decimal("8.50"), stock=100)
        bundle = PublicationFactory(title="Bundle", price=Decimal("12.00"), vat_rate=Decimal("0.200"), stock=100)
        place = lambda *items, method="uk-standard": paid_by_card(  # noqa: E731
            api.post("/api/orders/", order_body(*items, method=method), format="json").json()["number"]
        )
        self.plain = place((report.isbn, 2))
        self.part_refunded = place((report.isbn, 1), (bundle.isbn, 1), method="uk-express")
        self.refunded = place((bundle.isbn, 1))
        self.no_payout = place((report.isbn, 1))
        self.differs = place((report.isbn, 3))
        self.dashboard = place((report.isbn, 2), (bundle.isbn, 1))
        self.disputed = place((bundle.isbn, 2))
        self.part_refund = services.order_refund(
            order=self.part_refunded, quantities={self.part_refunded.lines.get(title="Report").pk: 1}, delivery=True, reason="Damaged"
        )
        self.full_refund = services.order_refund(order=self.refunded, reason="Ordered twice")
        self.custom_refund = services.order_refund(order=self.plain, amount=Decimal("5.00"), reason="Goodwill")
        at_stripe()
        self.dashboard_refund = stripe.Refund.create(payment_intent=self.dashboard.payment_intent, amount=700)  # made by hand
        Order.objects.filter(pk=self.no_payout.pk).update(paid_at=timezone.now() - timedelta(days=10))

    def payout_transactions(self) -> list[dict]:
        now = int(time.time())
        charges = [self.plain, self.part_refunded, self.refunded, self.differs, self.dashboard, self.disputed]
        txns = []
        for order in charges:
            gross = order.total - (Decimal("0.01") if order == self.differs else 0)  # deliberate: a penny short
            fee = stripe_fee(gross)
            txns.append(self._txn("charge", order.stripe_charge, gross, fee, now, order))
        for refund in Refund.objects.filter(order__in=charges, status="succeeded"):
            txns.append(self._txn("refund", refund.stripe_refund_id, -refund.amount, Decimal("0.00"), now, refund.order))
        txns.append(self._txn("dispute", "dp_lost", -self.disputed.total, Decimal("15.00"), now, self.disputed))
        txns.append(self._txn("charge", "ch_not_the_shops", Decimal("42.00"), stripe_fee(Decimal("42.00")), now, None))  # deliberate
        return txns

    @staticmethod
    def _txn(category, source, gross, fee, created, order):
        return {
            "id": f"txn_{source}", "object": "balance_transaction", "type": category, "reporting_category": category,
            "amount": pence(gross), "fee": pence(fee), "net": pence(gross) - pence(fee), "currency": "gbp", "created": created,
            "source": source, "_payment_intent": order.payment_intent if order else "", "_charge": order.stripe_charge if order else "",
        }  # fmt: skip


def as_stripe_export(payout_id: str, txns: list[dict]) -> str:
    """The transactions as Stripe's itemised payout reconciliation export writes them (and a column the shop ignores)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*payouts.CSV_COLUMNS, "description"])
    for txn in txns:
        writer.writerow([
            payout_id, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), txn["id"], time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(txn["created"])),
            "gbp", f"{txn['amount'] / 100:.2f}", f"{txn['fee'] / 100:.2f}", f"{txn['net'] / 100:.2f}", txn["reporting_category"],
            txn["source"], txn["_charge"] if txn["reporting_category"] != "charge" else txn["source"], txn["_payment_intent"], "ignored",
        ])  # fmt: skip
    return out.getvalue()


@pytest.fixture
def month(api, stripe_emulator, settings):
    settings.PAYOUT_EXPECTED_DAYS = 7
    built = Month(api)
    post_event(api, "charge.refunded", {"id": built.dashboard.stripe_charge, "object": "charge", "payment_intent": built.dashboard.payment_intent})
    dispute = {"id": "dp_lost", "object": "dispute", "charge": built.disputed.stripe_charge, "payment_intent": built.disputed.payment_intent,
               "amount": pence(built.disputed.total), "currency": "gbp", "reason": "fraudulent", "status": "needs_response"}  # fmt: skip
    post_event(api, "charge.dispute.created", dispute)
    post_event(api, "charge.dispute.closed", {**dispute, "status": "lost", "balance_transactions": [{
        "id": "txn_dp_lost", "object": "balance_transaction", "amount": -pence(built.disputed.total), "fee": 1500,
        "net": -pence(built.disputed.total) - 1500, "currency": "gbp", "created": int(time.time()), "type": "adjustment",
        "reporting_category": "dispute", "source": "dp_lost",
    }]})  # fmt: skip
    return built


def this_month() -> finance.Period:
    today = timezone.localdate()
    return finance.Period(today - timedelta(days=30), today)


def check_reconciliation(month: Month, payout_id: str) -> None:
    rows = list(finance.reconciliation_rows(this_month()))
    notes = [row[11] for row in rows]
    carried = [row for row in rows if row[0] == payout_id]
    assert len(carried) == len(month.payout_transactions())
    matched = [row for row in carried if row[11] == finance.MATCHED]
    assert all(row[6] == row[9] and row[10] == 0 for row in matched)  # gross equals the shop's amount, to the penny
    assert len(matched) == len(carried) - 2  # all but the two deliberate ones in the payout
    assert notes.count(finance.NOT_IN_SHOP) == 1
    assert [row[4] for row in rows if row[11].startswith(finance.AMOUNT_DIFFERS)] == [month.differs.number]
    differs = next(row for row in rows if row[11].startswith(finance.AMOUNT_DIFFERS))
    assert (differs[6], differs[9], differs[10]) == (month.differs.total - Decimal("0.01"), month.differs.total, Decimal("-0.01"))
    assert [row[4] for row in rows if row[11].startswith(finance.NOT_IN_A_PAYOUT)] == [month.no_payout.number]
    assert not [note for note in notes if note.startswith(finance.PAYOUT_TOTAL_DIFFERS)]
    # Stripe's fee and net are now the shop's, and the orders report names the payout.
    plain = Order.objects.get(pk=month.plain.pk)
    assert (plain.stripe_fee, plain.stripe_net) == (stripe_fee(plain.total), plain.total - stripe_fee(plain.total))
    [order_row] = [row for row in finance.order_rows(this_month(), False) if row[0] == plain.number]
    assert order_row[-3:-1] == (payout_id, timezone.localdate())


def test_a_payout_read_from_stripe_when_it_settles_reconciles_to_the_penny(api, month, stripe_payouts, settings):
    stripe_payouts.add("po_month", int(time.time()), month.payout_transactions())
    event = post_event(api, "payout.reconciliation_completed", {"id": "po_month", "object": "payout", "status": "paid"})
    assert event["outcome"] == "payout po_month paid"

    settings.STRIPE_API_BASE = stripe_payouts.url  # Stripe itself, for what localstripe cannot list
    from orders.models import StripeEvent

    result = worker_services.payout_reconcile(StripeEvent.objects.get(type="payout.reconciliation_completed").pk)

    assert result == "payout po_month: 12 balance transactions, 11 matched to orders"
    assert any(asked.startswith("/v1/balance_transactions?") and "payout=po_month" in asked for asked in stripe_payouts.asked)
    check_reconciliation(month, "po_month")


def test_the_same_payout_uploaded_as_stripes_itemised_export_reconciles_the_same(client, month):
    finance_user = StaffFactory(username="fiona")
    finance_user.groups.add(Group.objects.get(name="Finance"))
    client.force_login(finance_user)
    export = io.BytesIO(as_stripe_export("po_csv", month.payout_transactions()).encode())
    export.name = "itemised_payout_reconciliation.csv"

    response = client.post("/admin/reports/payout/upload/", {"file": export})

    assert response.status_code == 302, response.content
    assert Payout.objects.get().source == "csv"
    check_reconciliation(month, "po_csv")


def test_a_dashboard_refund_and_a_lost_dispute_are_on_the_orders_timeline_and_in_the_reports(month):
    dashboard = Order.objects.get(pk=month.dashboard.pk)
    refund = dashboard.refunds.get(in_dashboard=True)
    assert (refund.amount, refund.stripe_refund_id, refund.status) == (Decimal("7.00"), month.dashboard_refund.id, "succeeded")
    assert dashboard.needs_attention and "Stripe's dashboard" in dashboard.attention_reason
    assert refund.credit_note and refund.outbox.filter(kind="refund").exists()  # a credit note, and the reader's email
    timeline = [moment.what for moment in selectors.order_timeline(dashboard)]
    assert "Refund of £7.00: refunded" in timeline and "Stripe: charge.refunded" in timeline
    refunds_report = [row for row in finance.refund_rows(this_month(), False) if row[0] == dashboard.number]
    assert [(row[7], row[11]) for row in refunds_report] == [(Decimal("7.00"), "Made in Stripe's dashboard")]

    disputed = Order.objects.get(pk=month.disputed.pk)
    [dispute] = disputed.disputes.all()
    assert (dispute.status, dispute.fee, dispute.withdrawn) == ("lost", Decimal("15.00"), -disputed.total)
    assert disputed.needs_attention and "won its dispute of the payment" in disputed.attention_reason
    assert "Dispute dp_lost: lost" in [moment.what for moment in selectors.order_timeline(disputed)]
    [row] = finance.dispute_rows(this_month(), False)
    assert (row[0], row[3], row[6], row[8], row[9]) == ("dp_lost", disputed.number, "lost", disputed.total, Decimal("15.00"))


def test_a_dispute_holds_a_fulfilment_request_not_yet_sent_and_a_won_one_sends_it(api, stripe_emulator, seed):
    order = paid_by_card(api.post("/api/orders/", order_body((seed.isbn, 1)), format="json").json()["number"])
    dispute = {"id": "dp_won", "object": "dispute", "charge": order.stripe_charge, "payment_intent": order.payment_intent,
               "amount": pence(order.total), "currency": "gbp", "reason": "product_not_received", "status": "needs_response"}  # fmt: skip

    post_event(api, "charge.dispute.created", dispute)
    assert order.outbox.get(kind="fulfilment").status == "held"
    post_event(api, "charge.dispute.closed", {**dispute, "status": "won"})

    assert order.outbox.get(kind="fulfilment").status == "pending"


def test_the_shops_own_refund_is_not_taken_for_a_dashboard_refund(api, stripe_emulator, seed):
    order = paid_by_card(api.post("/api/orders/", order_body((seed.isbn, 2)), format="json").json()["number"])
    services.order_refund(order=order, quantities={order.lines.get().pk: 1})

    post_event(api, "charge.refunded", {"id": order.stripe_charge, "object": "charge", "payment_intent": order.payment_intent})

    assert order.refunds.count() == 1 and not Order.objects.get(pk=order.pk).needs_attention


def test_the_sample_export_is_read_and_its_unknown_transactions_named(db):
    [payout] = payouts.payouts_from_csv(SAMPLE.read_bytes())

    assert (payout.stripe_id, payout.source, payout.items.count()) == ("po_1QSAMPLE0000000000000001", "csv", 3)
    assert payout.amount == sum(item.net for item in payout.items.all())
    rows = list(finance.reconciliation_rows(finance.Period(payout.arrival_date, payout.arrival_date)))
    assert [row[11] for row in rows] == [finance.NOT_IN_SHOP] * 3


def test_an_export_without_stripes_columns_or_with_a_bad_amount_is_refused_naming_the_line(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no column automatic_payout_effective_at, balance_transaction_id, created_utc"):
        payouts.payouts_from_csv("automatic_payout_id,gross\npo_1,1.00\n")
    bad = SAMPLE.read_text().replace("gbp,19.95", "gbp,19.9x", 1)
    with pytest.raises(ValidationError) as refused:
        payouts.payouts_from_csv(bad)
    assert refused.value.messages == ["line 2: gross '19.9x' is not an amount like 12.34"]
    assert not Payout.objects.exists()


# --- What a review found --------------------------------------------------------------------


@pytest.fixture
def card_order(api, stripe_emulator, seed):
    return paid_by_card(api.post("/api/orders/", order_body((seed.isbn, 2)), format="json").json()["number"])


def test_a_dispute_closed_before_its_created_event_arrives_stays_won_and_holds_nothing(api, card_order):
    dispute = {"id": "dp_late", "object": "dispute", "charge": card_order.stripe_charge, "payment_intent": card_order.payment_intent,
               "amount": pence(card_order.total), "currency": "gbp", "reason": "fraudulent"}  # fmt: skip
    post_event(api, "charge.dispute.closed", {**dispute, "status": "won"})
    post_event(api, "charge.dispute.created", {**dispute, "status": "needs_response"})

    assert card_order.disputes.get().status == "won"
    assert card_order.outbox.get(kind="fulfilment").status == "pending"


def test_a_dispute_after_the_warehouse_has_the_order_says_so(api, card_order):
    card_order.outbox.filter(kind="fulfilment").update(status="sent")
    post_event(api, "charge.dispute.created", {"id": "dp_sent", "object": "dispute", "charge": card_order.stripe_charge,
               "payment_intent": card_order.payment_intent, "amount": 1995, "reason": "fraudulent", "status": "needs_response"})  # fmt: skip

    assert "The warehouse has the order already" in Order.objects.get(pk=card_order.pk).attention_reason


def test_the_shops_own_refund_not_yet_recorded_is_not_taken_for_a_dashboard_refund(api, card_order):
    from orders.models import RefundLine

    at_stripe()
    waiting = Refund.objects.create(order=card_order, amount=Decimal("8.50"), reason="Damaged")  # asked for, Stripe's answer not recorded
    RefundLine.objects.create(refund=waiting, order_line=card_order.lines.get(), quantity=1, amount=Decimal("8.50"))
    stripe.Refund.create(payment_intent=card_order.payment_intent, amount=850)  # made, with no key in its metadata

    post_event(api, "charge.refunded", {"id": card_order.stripe_charge, "object": "charge", "payment_intent": card_order.payment_intent})

    assert list(card_order.refunds.all()) == [waiting] and not Order.objects.get(pk=card_order.pk).needs_attention


def test_a_dashboard_refund_that_goes_through_later_is_recorded_then(api, card_order):
    at_stripe()
    made = stripe.Refund.create(payment_intent=card_order.payment_intent, amount=500)
    post_event(api, "charge.refund.updated", {"id": made.id, "object": "refund", "charge": card_order.stripe_charge, "status": "succeeded"})

    assert card_order.refunds.get().stripe_refund_id == made.id


def test_a_refund_failure_and_a_duplicate_payment_do_not_overwrite_the_shops_figures(card_order):
    refund = services.order_refund(order=card_order, quantities={card_order.lines.get().pk: 1})
    items = [
        payouts.Item("txn_fail", timezone.now(), "refund_failure", refund.stripe_refund_id, "", "", Decimal("8.50"), Decimal("0"), Decimal("8.50")),
        payouts.Item("txn_dup", timezone.now(), "charge", "ch_duplicate", "ch_duplicate", "pi_a_second_payment", Decimal("19.95"),
                     Decimal("0.50"), Decimal("19.45")),
    ]  # fmt: skip
    payout = payouts.payout_record(stripe_id="po_odd", amount=Decimal("27.95"), currency="GBP", arrival_date=timezone.localdate(),
                                   source="api", items=items)  # fmt: skip

    refund.refresh_from_db()
    assert refund.stripe_net == -refund.amount  # still the refund's own
    assert payout.items.get(balance_transaction="txn_dup").order is None


def test_an_order_paid_at_the_end_of_a_month_is_checked_in_the_next(card_order, settings):
    from datetime import date

    settings.PAYOUT_EXPECTED_DAYS = 7
    Order.objects.filter(pk=card_order.pk).update(paid_at=timezone.make_aware(timezone.datetime(2026, 9, 28, 12)))

    september = [row[4] for row in finance.reconciliation_rows(finance.Period(date(2026, 9, 1), date(2026, 9, 30)))]
    october = [row[4] for row in finance.reconciliation_rows(finance.Period(date(2026, 10, 1), date(2026, 10, 31)))]
    assert (september, october) == ([], [card_order.number])


def test_a_short_row_or_a_repeated_transaction_is_named_by_its_line(db):
    from django.core.exceptions import ValidationError

    lines = SAMPLE.read_text().splitlines()
    with pytest.raises(ValidationError) as short:
        payouts.payouts_from_csv("\n".join([lines[0], lines[1].rsplit(",", 8)[0]]))
    assert short.value.messages[0].startswith("line 2: ")
    with pytest.raises(ValidationError) as repeated:
        payouts.payouts_from_csv("\n".join([lines[0], lines[1], lines[1]]))
    assert repeated.value.messages == ["line 3: balance transaction txn_1QSAMPLE000000000000000A is on line 2 already"]


def test_an_upload_does_not_replace_a_payout_read_from_stripe(db):
    from django.core.exceptions import ValidationError

    Payout.objects.create(stripe_id="po_1QSAMPLE0000000000000001", amount=1, arrival_date=timezone.localdate(), source="api")
    with pytest.raises(ValidationError, match="was read from Stripe itself"):
        payouts.payouts_from_csv(SAMPLE.read_bytes())


def test_a_settled_payout_whose_hand_over_was_lost_is_handed_over_again(api, stripe_emulator, monkeypatch):
    from orders import outbox
    from orders.models import StripeEvent

    post_event(api, "payout.reconciliation_completed", {"id": "po_lost", "object": "payout", "status": "paid"})
    StripeEvent.objects.update(received_at=timezone.now() - timedelta(minutes=10))
    handed = []
    monkeypatch.setattr(outbox, "hand_over", lambda task, pk, countdown=None: handed.append((task, pk)) or True)

    assert payouts.unread_hand_over() == 1
    assert handed == [("worker.tasks.reconcile_payout", StripeEvent.objects.get().pk)]


def test_a_refund_first_asked_for_without_a_key_in_its_metadata_is_asked_for_again_as_it_was(monkeypatch):
    """Stripe refuses an idempotency key reused with other parameters (localstripe does not
    check): the retry goes as the first request went."""
    from orders import gateway

    asked = []

    def create(**params):
        asked.append(params)
        if "metadata" in params:
            raise stripe.IdempotencyError("Keys for idempotent requests can only be used with the same parameters")
        return {"id": "re_first"}

    monkeypatch.setattr(stripe.Refund, "create", create)

    assert gateway.refund_create(intent_id="pi_1", amount=Decimal("8.50"), idempotency_key="refund-k") == "re_first"
    assert [sorted(params) for params in asked] == [["amount", "idempotency_key", "metadata", "payment_intent"], ["amount", "idempotency_key", "payment_intent"]]
