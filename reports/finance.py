"""Finance reports: orders, order lines, refunds and a summary over a period, as CSV or Excel.

A period is whole days in the shop's time zone (TIME_ZONE, Europe/London): from local midnight
starting `from` to local midnight ending `to`, both days included; when the clocks change, that
day is 23 or 25 hours long. Orders count on the day they were paid (never-paid orders only
when asked, on the day they were placed); refunds on the day they were refunded.

CSV streams row by row from a database cursor: money with two decimals and no thousands
separators, times as local `YYYY-MM-DD HH:MM:SS`, and any text starting with = + - @ (or a
tab or carriage return) prefixed with ' so that no spreadsheet runs it as a formula. On
PostgreSQL the two big reports (orders, order lines) are written by the database itself:
`COPY (the same query, formatted and escaped the same way) TO STDOUT`, streamed chunk by
chunk, several times faster than formatting rows in Python (bench/reports.py). The test suite
checks both ways against the same expectations. Excel is written in openpyxl's write-only mode
to a temporary file, with real numbers and dates.
"""

import csv
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Callable, Iterator

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, DecimalField, Max, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from psycopg import sql

from orders import receipts, refunds, working_days
from orders.models import CreditNote, Dispute, Order, OrderLine, Receipt, Refund, RefundLine
from shop.spreadsheets import safe_text

from .models import Payout, PayoutItem

TEXT, MONEY, RATE, INT, DATETIME, DATE = "text", "money", "rate", "int", "datetime", "date"
ZERO = Decimal("0.00")


zone = working_days.zone


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[local midnight starting `start`, local midnight after `end`)."""
        return (
            datetime.combine(self.start, time.min, tzinfo=zone()),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone()),
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self):
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def period_parse(raw_from: str | None, raw_to: str | None) -> Period:
    """A period from two YYYY-MM-DD dates; ValidationError naming the field otherwise."""
    errors, days = {}, {}
    for field, raw in (("from", raw_from), ("to", raw_to)):
        try:
            days[field] = date.fromisoformat(raw or "")
        except ValueError:
            errors[field] = [f"Give a date as YYYY-MM-DD, not {raw!r}." if raw else "This date is required (YYYY-MM-DD)."]
    if errors:
        raise ValidationError(errors)
    period = Period(days["from"], days["to"])
    if period.start > period.end:
        raise ValidationError({"to": [f"The end date, {period.end}, is before the start date, {period.start}."]})
    if period.days > settings.REPORT_MAX_DAYS:
        raise ValidationError({"to": [f"A report covers at most {settings.REPORT_MAX_DAYS} days; this is {period.days}."]})
    return period


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: list[tuple[str, str]]  # (header, kind)
    rows: Callable[[Period, bool], Iterator[tuple]]
    # The same report as one PostgreSQL query whose columns are already the CSV's text.
    copy_query: Callable[[Period, bool], sql.Composable] | None = None
    # Whether its rows add up (the summary's sections would count everything twice).
    totals: bool = True


def _in(period: Period, field: str) -> Q:
    start, end = period.bounds
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _orders(period: Period, include_unpaid: bool):
    matches = _in(period, "paid_at")
    if include_unpaid:
        matches |= Q(paid_at__isnull=True) & _in(period, "placed_at")
    return Order.objects.filter(matches)


def _money_subquery(queryset, field: str):
    return Coalesce(
        Subquery(queryset.values("order").annotate(total=Sum(field)).values("total")[:1]),
        Value(ZERO),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )


def _admin_orders() -> str:
    return f"{settings.SHOP_URL}/admin/orders/order/"


def admin_link(order_id: int) -> str:
    """Where finance opens a report's order: its page in the admin (the COPY path builds the same)."""
    return f"{_admin_orders()}{order_id}/change/"


def order_rows(period: Period, include_unpaid: bool) -> Iterator[tuple]:
    refunded = _money_subquery(Refund.objects.filter(order=OuterRef("pk"), status=Refund.Status.SUCCEEDED), "amount")
    copies = Subquery(OrderLine.objects.filter(order=OuterRef("pk")).values("order").annotate(n=Sum("quantity")).values("n")[:1])
    carried = PayoutItem.objects.filter(order=OuterRef("pk"), reporting_category="charge").order_by("payout__arrival_date", "payout_id")
    rows = (
        _orders(period, include_unpaid)
        .annotate(
            refunded_total=refunded, copies=copies, payout=Subquery(carried.values("payout__stripe_id")[:1]),
            payout_date=Subquery(carried.values("payout__arrival_date")[:1]),
        )
        .order_by("paid_at", "placed_at", "id")
        .values_list(
            "number", "placed_at", "paid_at", "status", "name", "email", "country", "receipt__number", "copies",
            "subtotal", "delivery", "vat", "total", "refunded_total", "currency", "payment_intent", "stripe_charge",
            "stripe_fee", "stripe_net", "payout", "payout_date", "id",
        )  # fmt: skip
    )
    for row in rows.iterator(chunk_size=2000):
        number, placed, paid_at, status, name, email, country, receipt, copies = row[:9]
        amounts, (currency, intent, charge), stripe, pk = row[9:14], row[14:17], row[17:21], row[21]
        total, refunded_total = amounts[3], amounts[4]
        net = (total - refunded_total) if paid_at is not None else ZERO
        yield (
            number, placed, paid_at, status, Order.Status(status).label, name, email, country, Receipt.code_for(receipt),
            copies, *amounts, net, currency, intent, charge, *stripe, admin_link(pk),
        )  # fmt: skip


def line_queryset(period: Period, include_unpaid: bool):
    return (
        OrderLine.objects.filter(order__in=_orders(period, include_unpaid))
        .order_by("order__paid_at", "order_id", "id")
        .values_list("order__number", "order__paid_at", "isbn", "title", "quantity", "unit_price", "vat_rate", "vat", "line_total")
    )


def line_rows(period: Period, include_unpaid: bool) -> Iterator[tuple]:
    rows = line_queryset(period, include_unpaid)
    for number, paid_at, isbn, title, quantity, unit_price, vat_rate, vat, gross in rows.iterator(chunk_size=5000):
        paid_day = paid_at.astimezone(zone()).date() if paid_at else None
        yield number, paid_day, isbn, title, quantity, unit_price, gross - vat, vat_rate, vat, gross


def refund_rows(period: Period, include_unpaid: bool) -> Iterator[tuple]:
    """Each refund Stripe confirmed, with its order's reader and receipt, its credit note, and its
    net and VAT as it stored them (and its credit note states them; a payment returned because
    its copies were gone was never a sale, and has neither parts nor VAT)."""
    confirmed = (
        Refund.objects.filter(_in(period, "refunded_at"), status=Refund.Status.SUCCEEDED)
        .select_related("order__receipt", "credit_note")
        .prefetch_related("lines__order_line", "payout_items__payout")
        .order_by("refunded_at", "id")
    )
    for refund in confirmed.iterator(chunk_size=1000):
        order = refund.order
        note = getattr(refund, "credit_note", None)
        vat = sum((part_vat for _, _, part_vat in refunds.stored_parts(refund)), ZERO)
        parts = [
            f"{line.quantity} x {line.order_line.isbn}" if line.quantity else f"part of {line.order_line.isbn} (£{line.amount})"
            for line in refund.lines.all()
        ] + ([f"delivery (£{refund.delivery_amount})"] if refund.delivery_amount else [])
        lines = "; ".join(parts) or "whole payment"
        address = ", ".join(part for part in (order.line1, order.line2, order.city, order.postcode) if part)
        receipt = getattr(order, "receipt", None)
        carried = next(iter(refund.payout_items.all()), None)
        yield (
            order.number, refund.refunded_at, order.name, address, order.country.code, receipt.code if receipt else "",
            note.code if note else "", refund.amount, refund.amount - vat, vat, lines, refund.reason, refund.stripe_refund_id,
            refund.stripe_fee, refund.stripe_net, carried.payout.stripe_id if carried else "",
            carried.payout.arrival_date if carried else None, admin_link(order.pk),
        )  # fmt: skip


@dataclass(frozen=True)
class Takings:
    orders: int
    paid: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded


def takings(period: Period) -> Takings:
    """Orders paid and money taken in a period by the summary report's day rule (an order on the
    local day it was paid, a refund on the day Stripe made it): its day rows add up to this."""
    paid = Order.objects.filter(_in(period, "paid_at")).aggregate(orders=Count("id"), total=Sum("total"))
    refunded = Refund.objects.filter(_in(period, "refunded_at"), status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))
    return Takings(orders=paid["orders"], paid=paid["total"] or ZERO, refunded=refunded["total"] or ZERO)


def summary_rows(period: Period, include_unpaid: bool) -> Iterator[tuple]:
    """Per day, then per publication and a row for delivery: orders, copies sold, net, VAT, gross,
    and refunds. The publications and delivery add up to the days, refunds included (what a
    refund returned beyond its copies counts as delivery)."""
    paid = Order.objects.filter(_in(period, "paid_at"))
    days = paid.annotate(day=TruncDate("paid_at", tzinfo=zone())).values("day").annotate(
        orders=Count("id"), gross=Sum("total"), vat=Sum("vat")
    )  # fmt: skip
    copies = dict(
        OrderLine.objects.filter(order__in=paid).annotate(day=TruncDate("order__paid_at", tzinfo=zone()))
        .values("day").annotate(n=Sum("quantity")).values_list("day", "n")
    )  # fmt: skip
    refunds_by_day = dict(
        Refund.objects.filter(_in(period, "refunded_at"), status=Refund.Status.SUCCEEDED)
        .annotate(day=TruncDate("refunded_at", tzinfo=zone())).values("day").annotate(t=Sum("amount")).values_list("day", "t")
    )  # fmt: skip
    by_day = {row["day"]: row for row in days}
    for day in sorted(set(by_day) | set(refunds_by_day)):
        row = by_day.get(day, {"orders": 0, "gross": ZERO, "vat": ZERO})
        yield ("day", day.isoformat(), "", row["orders"], copies.get(day, 0), row["gross"] - row["vat"], row["vat"],
               row["gross"], refunds_by_day.get(day, ZERO))  # fmt: skip

    # One row per ISBN (a title renamed between sales is still one publication), and one for
    # every ISBN refunded in the period though not sold in it.
    sold = {
        row["isbn"]: row
        for row in OrderLine.objects.filter(order__in=paid).values("isbn").annotate(
            title=Max("title"), orders=Count("order", distinct=True), copies=Sum("quantity"), gross=Sum("line_total"), vat=Sum("vat")
        )
    }  # fmt: skip
    refunded = {
        isbn: (title, amount)
        for isbn, title, amount in RefundLine.objects.filter(_in(period, "refund__refunded_at"), refund__status=Refund.Status.SUCCEEDED)
        .values("order_line__isbn").annotate(title=Max("order_line__title"), t=Sum("amount"))
        .values_list("order_line__isbn", "title", "t")
    }  # fmt: skip
    nothing = {"orders": 0, "copies": 0, "gross": ZERO, "vat": ZERO}
    rows = []
    for isbn in set(sold) | set(refunded):
        row = sold.get(isbn) or {**nothing, "title": refunded[isbn][0]}
        rows.append(("publication", isbn, row["title"], row["orders"], row["copies"], row["gross"] - row["vat"], row["vat"],
                     row["gross"], refunded.get(isbn, ("", ZERO))[1]))  # fmt: skip
    yield from sorted(rows, key=lambda row: (row[2], row[1]))

    delivery = paid.aggregate(orders=Count("id", filter=Q(delivery__gt=0)), gross=Sum("delivery"), vat=Sum("vat"))
    if delivery["gross"] is None and not refunds_by_day:
        return
    lines_vat = sum((row["vat"] for row in sold.values()), ZERO)  # the publications' VAT, summed above
    gross, vat = delivery["gross"] or ZERO, (delivery["vat"] or ZERO) - lines_vat
    refunded_beyond_copies = sum(refunds_by_day.values(), ZERO) - sum((amount for _, amount in refunded.values()), ZERO)
    yield ("delivery", "", "Delivery", delivery["orders"], 0, gross - vat, vat, gross, refunded_beyond_copies)


# Where goods went, for VAT: the UK, the European Union (its member states), or elsewhere.
EU = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)  # fmt: skip
DESTINATIONS = ("UK", "EU", "rest of the world")


# The UK's VAT area: Great Britain, Northern Ireland and the Isle of Man.
UK_VAT_AREA = frozenset({"GB", "IM"})


def destination(country: str) -> str:
    return "UK" if country in UK_VAT_AREA else "EU" if country in EU else "rest of the world"


def vat_return_rows(period: Period, include_unpaid: bool) -> Iterator[tuple]:
    """The figures a UK VAT return asks of the shop's sales for the period: sales (paid in it)
    and refunds (Stripe confirmed in it, as their credit notes state them) by destination and
    VAT rate, delivery at its own rate included; then Box 1, the VAT due on sales (refunds
    reducing the period they were made in), and Box 6, the sales excluding VAT."""
    figures = defaultdict(lambda: [ZERO, ZERO])  # (section, destination, rate percent): [net, vat]

    def add(section: str, country: str, rate: Decimal, gross: Decimal, vat: Decimal) -> None:
        row = figures[section, destination(country), (rate * 100).quantize(Decimal("0.1"))]
        row[0] += gross - vat
        row[1] += vat

    paid = Order.objects.filter(_in(period, "paid_at"))
    for country, rate, gross, vat in (
        OrderLine.objects.filter(order__in=paid).values("order__country", "vat_rate")
        .annotate(gross=Sum("line_total"), vat=Sum("vat")).values_list("order__country", "vat_rate", "gross", "vat")
    ):  # fmt: skip
        add("sales", country, rate, gross, vat)
    line_vat = Subquery(OrderLine.objects.filter(order=OuterRef("pk")).values("order").annotate(v=Sum("vat")).values("v")[:1])
    for country, rate, gross, order_vat, lines_vat in paid.annotate(lines_vat=line_vat).values_list(
        "country", "delivery_vat_rate", "delivery", "vat", "lines_vat"
    ).iterator(chunk_size=2000):
        if gross:
            add("sales", country, rate, gross, order_vat - (lines_vat or ZERO))
    notes = CreditNote.objects.filter(_in(period, "refund__refunded_at"), refund__status=Refund.Status.SUCCEEDED)
    for note in notes.select_related("refund__order").prefetch_related("refund__lines__order_line").iterator(chunk_size=500):
        for row in receipts.credit_note_facts(note).vat_by_rate:
            add("refunds", note.refund.order.country.code, row["rate"] / 100, -row["gross"], -row["vat"])
    for (section, where, rate), (net, vat) in sorted(figures.items(), key=lambda item: (item[0][0] != "sales", DESTINATIONS.index(item[0][1]), item[0][2])):
        yield section, where, f"{rate.normalize():f}", net, vat, net + vat
    net = sum((row[0] for row in figures.values()), ZERO)
    vat = sum((row[1] for row in figures.values()), ZERO)
    yield "box 1: VAT due on sales", "", "", None, vat, None
    # Box 6 is in whole pounds, pence left off.
    yield "box 6: sales excluding VAT", "", "", net.quantize(Decimal("1"), rounding=ROUND_DOWN), None, None


# --- The big reports as PostgreSQL queries (see the module's docstring) ---------------------

# A text cell a spreadsheet would run as a formula gets a leading ' (as safe_text does).
_SAFE = "CASE WHEN left({0}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN chr(39) || {0} ELSE {0} END"


def _safe(column: str) -> sql.Composable:
    return sql.SQL(_SAFE).format(sql.SQL(column))


def _local(column: str, pattern: str = "YYYY-MM-DD HH24:MI:SS") -> sql.Composable:
    return sql.SQL("to_char({} AT TIME ZONE {}, {})").format(sql.SQL(column), sql.Literal(settings.TIME_ZONE), sql.Literal(pattern))


def _period_sql(period: Period, include_unpaid: bool) -> sql.Composable:
    start, end = (sql.Literal(bound) for bound in period.bounds)
    paid = sql.SQL("(o.paid_at >= {} AND o.paid_at < {})").format(start, end)
    if not include_unpaid:
        return paid
    return sql.SQL("({} OR (o.paid_at IS NULL AND o.placed_at >= {} AND o.placed_at < {}))").format(paid, start, end)


def _status_name(column: str) -> sql.Composable:
    cases = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}").format(sql.Literal(value), sql.Literal(label)) for value, label in Order.Status.choices
    )
    return sql.SQL("CASE {} {} END").format(sql.SQL(column), cases)


def _document_code(prefix: str, column: str) -> sql.Composable:
    # lpad cuts what is longer than six digits; the Python path does not.
    return sql.SQL("CASE WHEN {0} IS NULL THEN '' WHEN {0} < 1000000 THEN {1} || lpad({0}::text, 6, '0') ELSE {1} || {0}::text END").format(
        sql.SQL(column), sql.Literal(f"{prefix}-")
    )


def order_copy_query(period: Period, include_unpaid: bool) -> sql.Composable:
    return sql.SQL(
        """SELECT o.number, {placed} AS placed_at, {paid} AS paid_at, o.status, {status_name} AS status_name,
                  {name} AS customer, {email} AS email, o.country, {receipt} AS receipt,
                  (SELECT sum(l.quantity) FROM orders_orderline l WHERE l.order_id = o.id) AS items,
                  o.subtotal, o.delivery, o.vat, o.total, coalesce(r.refunded, 0.00) AS refunded,
                  CASE WHEN o.paid_at IS NULL THEN 0.00 ELSE o.total - coalesce(r.refunded, 0.00) END AS net_received,
                  o.currency, {intent} AS stripe_payment_intent, {charge} AS stripe_charge,
                  o.stripe_fee, o.stripe_net, {payout} AS payout, to_char(p.arrival_date, 'YYYY-MM-DD') AS payout_date,
                  {admin} || o.id || '/change/' AS admin_url
           FROM orders_order o
           LEFT JOIN LATERAL (SELECT po.stripe_id, po.arrival_date FROM reports_payoutitem pi
                              JOIN reports_payout po ON po.id = pi.payout_id
                              WHERE pi.order_id = o.id AND pi.reporting_category = 'charge'
                              ORDER BY po.arrival_date, po.id LIMIT 1) p ON true
           LEFT JOIN (SELECT order_id, sum(amount) AS refunded FROM orders_refund WHERE status = 'succeeded'
                      GROUP BY order_id) r ON r.order_id = o.id
           LEFT JOIN orders_receipt rc ON rc.order_id = o.id
           WHERE {period}
           ORDER BY o.paid_at, o.placed_at, o.id"""
    ).format(
        placed=_local("o.placed_at"), paid=_local("o.paid_at"), status_name=_status_name("o.status"), name=_safe("o.name"),
        email=_safe("o.email"), receipt=_document_code(Receipt.PREFIX, "rc.number"), intent=_safe("o.payment_intent"),
        charge=_safe("o.stripe_charge"), payout=_safe("p.stripe_id"), admin=sql.Literal(_admin_orders()),
        period=_period_sql(period, include_unpaid),
    )  # fmt: skip


def line_copy_query(period: Period, include_unpaid: bool) -> sql.Composable:
    return sql.SQL(
        """SELECT o.number AS order_number, {paid_date} AS paid_date, {isbn} AS isbn, {title} AS title, l.quantity,
                  l.unit_price, l.line_total - l.vat AS net, l.vat_rate, l.vat, l.line_total AS gross
           FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
           WHERE {period}
           ORDER BY o.paid_at, o.id, l.id"""
    ).format(
        paid_date=_local("o.paid_at", "YYYY-MM-DD"), isbn=_safe("l.isbn"), title=_safe("l.title"),
        period=_period_sql(period, include_unpaid),
    )  # fmt: skip


def _copied_lines(query: sql.Composable) -> Iterator[str]:
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(query)) as copy:
            for chunk in copy:
                yield bytes(chunk).decode()


MATCHED, NOT_IN_SHOP, AMOUNT_DIFFERS, NOT_IN_A_PAYOUT, PAYOUT_TOTAL_DIFFERS = (
    "matched", "in Stripe, not in the shop", "amounts differ", "in the shop, in no payout", "payout total differs",
)  # fmt: skip


def reconciliation_rows(period: Period, include_unpaid: bool = False) -> Iterator[tuple]:
    """Each payout that reached the bank in the period, item by item: the balance transaction
    matched to its order, refund or dispute, Stripe's gross, fee and net beside the shop's amount,
    and every difference named; then the payments and refunds of the period that no payout
    carried PAYOUT_EXPECTED_DAYS days after they were made."""
    start, end = period.start, period.end
    payouts = Payout.objects.filter(arrival_date__gte=start, arrival_date__lte=end).order_by("arrival_date", "stripe_id")
    items = PayoutItem.objects.select_related("order", "refund", "dispute").order_by("created", "id")
    for payout in payouts.prefetch_related(Prefetch("items", queryset=items)):
        carried = list(payout.items.all())
        for item in carried:
            shop, note = _shop_amount(item)
            yield (
                payout.stripe_id, payout.arrival_date, item.balance_transaction, item.reporting_category,
                item.order.number if item.order else "", item.refund.stripe_refund_id if item.refund else "",
                item.gross, item.fee, item.net, shop, (item.gross - shop) if shop is not None else None, note,
                admin_link(item.order_id) if item.order_id else "",
            )  # fmt: skip
        net = sum((item.net for item in carried), ZERO)
        if net != payout.amount:
            yield (payout.stripe_id, payout.arrival_date, "", "payout", "", "", None, None, net, payout.amount, net - payout.amount,
                   f"{PAYOUT_TOTAL_DIFFERS}: its items come to £{net}, the payout to £{payout.amount}", "")  # fmt: skip
    # Each payment and refund is checked in the period in which a payout was due to carry it.
    wait = timedelta(days=settings.PAYOUT_EXPECTED_DAYS)
    lo, hi = (bound - wait for bound in period.bounds)
    due = min(hi, timezone.now() - wait)
    unpaid_out = Order.objects.filter(paid_at__gte=lo, paid_at__lt=due).exclude(payout_items__reporting_category="charge").order_by("paid_at", "id")
    for order in unpaid_out.iterator():
        yield ("", None, order.balance_transaction, "charge", order.number, "", None, None, None, order.total, None,
               f"{NOT_IN_A_PAYOUT} {settings.PAYOUT_EXPECTED_DAYS} days after it was paid", admin_link(order.pk))  # fmt: skip
    refunds_out = (
        Refund.objects.filter(status=Refund.Status.SUCCEEDED, refunded_at__gte=lo, refunded_at__lt=due)
        .exclude(payout_items__isnull=False).select_related("order").order_by("refunded_at", "id")
    )  # fmt: skip
    for refund in refunds_out.iterator():
        yield ("", None, refund.balance_transaction, "refund", refund.order.number, refund.stripe_refund_id, None, None, None,
               -refund.amount, None, f"{NOT_IN_A_PAYOUT} {settings.PAYOUT_EXPECTED_DAYS} days after it was made",
               admin_link(refund.order_id))  # fmt: skip


def _shop_amount(item: PayoutItem) -> tuple[Decimal | None, str]:
    """What the shop says the item should be (money in positive, out negative), and the difference's name."""
    if item.reporting_category == "charge" and item.order:
        shop = item.order.total
    elif item.reporting_category in ("refund", "refund_failure") and item.refund:
        shop = -item.refund.amount if item.reporting_category == "refund" else item.refund.amount
    elif item.reporting_category in ("dispute", "dispute_reversal") and item.dispute:
        shop = -item.dispute.amount if item.reporting_category == "dispute" else item.dispute.amount
    else:
        return None, NOT_IN_SHOP
    return shop, MATCHED if shop == item.gross else f"{AMOUNT_DIFFERS}: Stripe £{item.gross}, the shop £{shop}"


def dispute_rows(period: Period, include_unpaid: bool = False) -> Iterator[tuple]:
    """Disputes opened in the period, with their outcome (as it stands) and what Stripe took."""
    lo, hi = period.bounds
    disputes = Dispute.objects.filter(opened_at__gte=lo, opened_at__lt=hi)
    for dispute in disputes.select_related("order").order_by("opened_at", "id"):
        yield (
            dispute.stripe_id, dispute.opened_at, dispute.closed_at, dispute.order.number, dispute.amount, dispute.reason,
            dispute.status, dispute.get_status_display(), -dispute.withdrawn, dispute.fee, admin_link(dispute.order_id),
        )  # fmt: skip


REPORTS = {
    report.name: report
    for report in [
        Report("orders", "Orders", [
            ("number", TEXT), ("placed_at", DATETIME), ("paid_at", DATETIME), ("status", TEXT), ("status_name", TEXT),
            ("customer", TEXT), ("email", TEXT), ("country", TEXT), ("receipt", TEXT), ("items", INT),
            ("subtotal", MONEY), ("delivery", MONEY), ("vat", MONEY), ("total", MONEY), ("refunded", MONEY),
            ("net_received", MONEY), ("currency", TEXT), ("stripe_payment_intent", TEXT), ("stripe_charge", TEXT),
            ("stripe_fee", MONEY), ("stripe_net", MONEY), ("payout", TEXT), ("payout_date", DATE), ("admin_url", TEXT),
        ], order_rows, order_copy_query),  # fmt: skip
        Report("order-lines", "Order lines", [
            ("order_number", TEXT), ("paid_date", DATE), ("isbn", TEXT), ("title", TEXT), ("quantity", INT),
            ("unit_price", MONEY), ("net", MONEY), ("vat_rate", RATE), ("vat", MONEY), ("gross", MONEY),
        ], line_rows, line_copy_query),  # fmt: skip
        Report("refunds", "Refunds", [
            ("order_number", TEXT), ("refunded_at", DATETIME), ("customer", TEXT), ("address", TEXT), ("country", TEXT),
            ("receipt", TEXT), ("credit_note", TEXT), ("amount", MONEY), ("net", MONEY), ("vat", MONEY), ("lines", TEXT),
            ("reason", TEXT), ("stripe_refund", TEXT), ("stripe_fee", MONEY), ("stripe_net", MONEY), ("payout", TEXT),
            ("payout_date", DATE), ("admin_url", TEXT),
        ], refund_rows),  # fmt: skip
        Report("summary", "Summary", [
            ("section", TEXT), ("day_or_isbn", TEXT), ("title", TEXT), ("orders", INT), ("copies", INT),
            ("net", MONEY), ("vat", MONEY), ("gross", MONEY), ("refunded", MONEY),
        ], summary_rows, totals=False),  # fmt: skip
        Report("payouts", "Payout reconciliation", [
            ("payout", TEXT), ("arrival_date", DATE), ("balance_transaction", TEXT), ("category", TEXT), ("order_number", TEXT),
            ("stripe_refund", TEXT), ("gross", MONEY), ("fee", MONEY), ("net", MONEY), ("shop_amount", MONEY),
            ("difference", MONEY), ("note", TEXT), ("admin_url", TEXT),
        ], reconciliation_rows, totals=False),  # fmt: skip
        Report("disputes", "Disputes", [
            ("dispute", TEXT), ("opened_at", DATETIME), ("closed_at", DATETIME), ("order_number", TEXT), ("amount", MONEY),
            ("reason", TEXT), ("status", TEXT), ("status_name", TEXT), ("taken", MONEY), ("fee", MONEY), ("admin_url", TEXT),
        ], dispute_rows),  # fmt: skip
        Report("vat-return", "VAT return", [
            ("line", TEXT), ("destination", TEXT), ("vat_rate_percent", TEXT), ("net", MONEY), ("vat", MONEY), ("gross", MONEY),
        ], vat_return_rows, totals=False),  # fmt: skip
    ]
}


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return f"{value:.2f}"
    if kind == RATE:
        return f"{value:.3f}"
    if kind == DATETIME:
        return value.astimezone(zone()).strftime("%Y-%m-%d %H:%M:%S")
    if kind == DATE:
        return value.isoformat()
    if kind == INT:
        return str(value)
    return safe_text(value)


class _Line:
    """csv.writer's file: hands back each line it writes."""

    def write(self, text):
        return text


def csv_lines(report: Report, period: Period, include_unpaid: bool = False) -> Iterator[str]:
    """The report as CSV text, a line (or, from COPY, a chunk of lines) at a time."""
    if report.copy_query is not None and connection.vendor == "postgresql":
        return _copied_lines(report.copy_query(period, include_unpaid))
    return rows_as_csv(report, period, include_unpaid)


def rows_as_csv(report: Report, period: Period, include_unpaid: bool = False) -> Iterator[str]:
    """The report as CSV formatted in Python, for any database."""
    writer = csv.writer(_Line())
    kinds = [kind for _, kind in report.columns]
    yield writer.writerow([header for header, _ in report.columns])
    for row in report.rows(period, include_unpaid):
        yield writer.writerow([_csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)])


XLSX_FORMATS = {MONEY: "#,##0.00", RATE: "0.000", DATETIME: "yyyy-mm-dd hh:mm", DATE: "yyyy-mm-dd", INT: "0"}
# Column widths in characters: enough for the longest usual value of each kind.
XLSX_WIDTHS = {MONEY: 12, RATE: 8, DATETIME: 17, DATE: 11, INT: 8}
XLSX_TEXT_WIDTHS = {"title": 40, "email": 28, "customer": 22, "address": 36, "lines": 32, "reason": 32, "admin_url": 50}


def xlsx_file(report: Report, period: Period, include_unpaid: bool = False):
    """The report as an .xlsx in a temporary file (rewound), written row by row (openpyxl's
    write-only mode: memory stays flat however long the period), ready to read: columns wide
    enough, the header frozen and filterable, money and dates formatted, and a totals row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(report.title)
    bold = Font(bold=True)
    for index, (name, kind) in enumerate(report.columns, start=1):
        width = XLSX_WIDTHS.get(kind) or XLSX_TEXT_WIDTHS.get(name, 16)
        sheet.column_dimensions[get_column_letter(index)].width = max(width, len(name) + 2)
    sheet.freeze_panes = "A2"
    header = []
    for name, _ in report.columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in report.rows(period, include_unpaid):
        cells = []
        for value, (_, kind) in zip(row, report.columns, strict=True):
            if kind == DATETIME and value is not None:
                value = value.astimezone(zone()).replace(tzinfo=None)  # Excel has no time zones: local time
            elif kind == TEXT and value is not None:
                value = safe_text(value)
            cell = WriteOnlyCell(sheet, value=value)
            if kind in XLSX_FORMATS:
                cell.number_format = XLSX_FORMATS[kind]
            cells.append(cell)
        sheet.append(cells)
        count += 1
    last = get_column_letter(len(report.columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    if report.totals:
        sheet.append(_totals_row(sheet, report, count, bold))
    output = tempfile.TemporaryFile()
    book.save(output)
    output.seek(0)
    return output


def _totals_row(sheet, report: Report, count: int, bold: Font) -> list:
    """Below the rows (outside the filter): "Total", then a sum under each money and count column."""
    cells = []
    for index, (_, kind) in enumerate(report.columns, start=1):
        value = None
        if index == 1:
            value = "Total"
        elif kind in (MONEY, INT) and count:
            column = get_column_letter(index)
            value = f"=SUBTOTAL(109,{column}2:{column}{count + 1})"  # 109: a sum that leaves out filtered rows
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        if kind in XLSX_FORMATS:
            cell.number_format = XLSX_FORMATS[kind]
        cells.append(cell)
    return cells


# --- Reports built by a worker and sent as a link ------------------------------------------

LINK_SALT = "orders.reports.download"


def download_token(download_id: int) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(str(download_id))


def download_id_from(token: str) -> int:
    """The download a link names; signing.SignatureExpired once REPORT_LINK_HOURS have passed,
    signing.BadSignature for anything not made by download_token."""
    return int(signing.TimestampSigner(salt=LINK_SALT).unsign(token, max_age=settings.REPORT_LINK_HOURS * 3600))


PACK = "pack"


def pack_file(period: Period):
    """Every report for the period, as Excel, in one zip (a temporary file, read from the start)."""
    import zipfile

    built = tempfile.TemporaryFile()
    with zipfile.ZipFile(built, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for report in REPORTS.values():
            with xlsx_file(report, period) as sheet:
                pack.writestr(f"{report.name}_{period}.xlsx", sheet.read())
    built.seek(0)
    return built
