"""Finance reports: the right orders for the period (Europe/London days, clock changes included),
totals equal to the database's to the penny, safe cells, and only for Finance."""

import csv
import io
import time
from datetime import date, datetime, timedelta
from datetime import timezone as tz
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Sum

from orders.models import (
    DeliveryMethod,
    Order,
    OrderLine,
    Refund,
    RefundLine,
)
from reports import finance as reports
from reports.models import ReportDownload
from tests.factories import PublicationFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = tz.utc


def paid_order(items, *, paid_at, email="reader@example.org", paid=True, number=None):
    method = DeliveryMethod.objects.get(code="uk-standard")
    subtotal = sum((p.price * q for p, q in items), Decimal("0.00"))
    delivery = method.charge_for(subtotal)
    vat = sum((reports_vat(p, q) for p, q in items), Decimal("0.00"))
    order = Order.objects.create(
        email=email, name="A Reader", line1="1 High St", city="Leeds", postcode="LS1 1AA", country="GB",
        delivery_method=method, subtotal=subtotal, delivery=delivery, vat=vat, total=subtotal + delivery,
        placed_at=paid_at - timedelta(minutes=5), expires_at=paid_at + timedelta(minutes=25),
        paid_at=paid_at if paid else None, status="paid" if paid else "cancelled",
        payment_intent=f"pi_{paid_at:%m%d%H%M}_{email[:3]}", stripe_charge=f"ch_{paid_at:%m%d%H%M}" if paid else "",
    )  # fmt: skip
    for publication, quantity in items:
        OrderLine.objects.create(
            order=order, publication=publication, isbn=publication.isbn, title=publication.title, quantity=quantity,
            unit_price=publication.price, line_total=publication.price * quantity, vat_rate=publication.vat_rate,
            vat=reports_vat(publication, quantity),
        )  # fmt: skip
    return order


def reports_vat(publication, quantity):
    gross = publication.price * quantity
    return (gross * publication.vat_rate / (1 + publication.vat_rate)).quantize(Decimal("0.01")) if publication.vat_rate else Decimal("0.00")


def refund(order, amount, *, at, lines=(), reason="Damaged"):
    """A refund as services.order_refund records it: copies of lines, the rest delivery, each
    part with the VAT inside it."""
    copies = sum((line.unit_price * quantity for line, quantity in lines), Decimal("0.00"))
    delivery_vat = reports_vat_within(amount - copies, order.delivery_vat_rate)
    refund = Refund.objects.create(
        order=order, amount=amount, status="succeeded", refunded_at=at, reason=reason, stripe_refund_id=f"re_{order.pk}",
        delivery_amount=amount - copies, delivery_vat=delivery_vat,
    )  # fmt: skip
    for line, quantity in lines:
        gross = line.unit_price * quantity
        RefundLine.objects.create(refund=refund, order_line=line, quantity=quantity, amount=gross, vat=reports_vat_within(gross, line.vat_rate))
    return refund


def reports_vat_within(gross, rate):
    return (gross * rate / (1 + rate)).quantize(Decimal("0.01")) if rate else Decimal("0.00")


@pytest.fixture
def books():
    report = PublicationFactory(title="Patient-centred leadership", price=Decimal("8.50"))
    bundle = PublicationFactory(title="Data bundle", price=Decimal("12.00"), vat_rate=Decimal("0.2"))
    return report, bundle


@pytest.fixture
def march(books):
    """Orders either side of local midnight on 29 March 2026, when the clocks go forward."""
    report, bundle = books
    orders = {
        "28th, 23:30 GMT": paid_order([(report, 2)], paid_at=datetime(2026, 3, 28, 23, 30, tzinfo=UTC), email="a@example.org"),
        "29th, 00:30 GMT": paid_order([(report, 1), (bundle, 2)], paid_at=datetime(2026, 3, 29, 0, 30, tzinfo=UTC), email="b@example.org"),
        "29th, 23:59 BST": paid_order([(bundle, 1)], paid_at=datetime(2026, 3, 29, 22, 59, tzinfo=UTC), email="c@example.org"),
        "30th, 00:30 BST": paid_order([(report, 3), (bundle, 1)], paid_at=datetime(2026, 3, 29, 23, 30, tzinfo=UTC), email="d@example.org"),
    }
    second = orders["29th, 00:30 GMT"]
    refund(second, Decimal("8.50"), at=datetime(2026, 3, 29, 12, 0, tzinfo=UTC), lines=[(second.lines.get(publication=report), 1)])
    paid_order([(report, 1)], paid_at=datetime(2026, 3, 29, 10, 0, tzinfo=UTC), email="never@example.org", paid=False)
    return orders


def rows(name, start, end, include_unpaid=False):
    text = "".join(reports.csv_lines(reports.REPORTS[name], reports.Period(start, end), include_unpaid))
    return list(csv.DictReader(io.StringIO(text)))


def money(values):
    return sum((Decimal(v) for v in values), Decimal("0.00"))


def test_a_local_day_is_23_hours_when_the_clocks_go_forward_and_25_when_they_go_back():
    spring = reports.Period(date(2026, 3, 29), date(2026, 3, 29)).bounds
    autumn = reports.Period(date(2026, 10, 25), date(2026, 10, 25)).bounds

    # (Python subtracts datetimes of one tzinfo as wall-clock times: compare the instants.)
    assert spring[1].astimezone(UTC) - spring[0].astimezone(UTC) == timedelta(hours=23)
    assert autumn[1].astimezone(UTC) - autumn[0].astimezone(UTC) == timedelta(hours=25)
    assert spring[0].astimezone(UTC) == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert spring[1].astimezone(UTC) == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)


def test_orders_count_on_the_local_day_they_were_paid(march):
    numbers = {row["number"] for row in rows("orders", date(2026, 3, 29), date(2026, 3, 29))}

    assert numbers == {march["29th, 00:30 GMT"].number, march["29th, 23:59 BST"].number}
    assert [r["paid_at"] for r in rows("orders", date(2026, 3, 30), date(2026, 3, 30))] == ["2026-03-30 00:30:00"]


def test_the_orders_report_totals_equal_the_database_to_the_penny(march):
    report = rows("orders", date(2026, 3, 28), date(2026, 3, 30))
    paid = Order.objects.filter(paid_at__isnull=False)

    assert len(report) == 4
    for column in ("subtotal", "delivery", "vat", "total"):
        assert money(r[column] for r in report) == paid.aggregate(t=Sum(column))["t"], column
    assert money(r["refunded"] for r in report) == Decimal("8.50")
    assert money(r["net_received"] for r in report) == paid.aggregate(t=Sum("total"))["t"] - Decimal("8.50")
    assert sum(int(r["items"]) for r in report) == OrderLine.objects.filter(order__in=paid).aggregate(n=Sum("quantity"))["n"]
    first = report[0]
    assert (first["currency"], first["stripe_charge"], first["country"]) == ("GBP", march["28th, 23:30 GMT"].stripe_charge, "GB")


def test_the_lines_report_has_one_row_per_line_with_net_vat_and_gross(march):
    report = rows("order-lines", date(2026, 3, 28), date(2026, 3, 30))
    lines = OrderLine.objects.filter(order__paid_at__isnull=False)

    assert len(report) == lines.count() == 6
    assert money(r["gross"] for r in report) == lines.aggregate(t=Sum("line_total"))["t"]
    assert money(r["vat"] for r in report) == lines.aggregate(t=Sum("vat"))["t"] == Decimal("8.00")
    assert money(r["net"] for r in report) + money(r["vat"] for r in report) == money(r["gross"] for r in report)
    bundle_line = next(r for r in report if r["title"] == "Data bundle" and r["quantity"] == "2")
    assert (bundle_line["unit_price"], bundle_line["net"], bundle_line["vat_rate"], bundle_line["vat"], bundle_line["gross"]) == (
        "12.00", "20.00", "0.200", "4.00", "24.00",
    )  # fmt: skip
    assert bundle_line["paid_date"] == "2026-03-29"


def test_the_refunds_report_lists_each_refund_with_its_lines(march):
    [row] = rows("refunds", date(2026, 3, 29), date(2026, 3, 29))

    assert (row["amount"], row["lines"], row["reason"], row["refunded_at"]) == (
        "8.50", f"1 x {march['29th, 00:30 GMT'].lines.first().isbn}", "Damaged", "2026-03-29 13:00:00",
    )  # fmt: skip
    assert row["order_number"] == march["29th, 00:30 GMT"].number


def test_the_summary_adds_up_per_day_and_per_publication(march, books):
    report = rows("summary", date(2026, 3, 28), date(2026, 3, 30))
    days = {r["day_or_isbn"]: r for r in report if r["section"] == "day"}
    titles = {r["title"]: r for r in report if r["section"] == "publication"}

    assert set(days) == {"2026-03-28", "2026-03-29", "2026-03-30"}
    assert days["2026-03-29"]["orders"] == "2" and days["2026-03-29"]["refunded"] == "8.50"
    assert money(r["gross"] for r in days.values()) == Order.objects.filter(paid_at__isnull=False).aggregate(t=Sum("total"))["t"]
    assert titles["Patient-centred leadership"]["copies"] == "6" and titles["Data bundle"]["copies"] == "4"
    assert titles["Patient-centred leadership"]["refunded"] == "8.50"
    assert money(r["gross"] for r in titles.values()) == OrderLine.objects.filter(order__paid_at__isnull=False).aggregate(t=Sum("line_total"))["t"]


def test_the_publications_and_delivery_add_up_to_the_days_refunds_included(march):
    delivery_refund = refund(march["28th, 23:30 GMT"], Decimal("2.95"), at=datetime(2026, 3, 30, 9, tzinfo=UTC))
    report = rows("summary", date(2026, 3, 28), date(2026, 3, 30))
    days = [r for r in report if r["section"] == "day"]
    parts = [r for r in report if r["section"] in ("publication", "delivery")]

    (delivery,) = [r for r in report if r["section"] == "delivery"]
    assert (delivery["title"], delivery["gross"], delivery["refunded"]) == ("Delivery", "5.90", str(delivery_refund.amount))
    assert delivery["orders"] == "2" and delivery["vat"] == "0.00"  # the other two travelled free
    for column in ("net", "vat", "gross", "refunded"):
        assert money(r[column] for r in parts) == money(r[column] for r in days), column


def test_a_title_refunded_but_not_sold_in_the_period_and_a_renamed_title_still_add_up(march, books):
    report_book = books[0]
    earlier = paid_order([(report_book, 1)], paid_at=datetime(2026, 3, 20, 12, tzinfo=UTC), email="e@example.org")
    refund(earlier, Decimal("8.50"), at=datetime(2026, 4, 2, 9, tzinfo=UTC), lines=[(earlier.lines.get(), 1)])
    renamed = paid_order([(report_book, 1)], paid_at=datetime(2026, 4, 3, 9, tzinfo=UTC), email="f@example.org")
    OrderLine.objects.filter(order=renamed).update(title="Patient-centred leadership (2nd edition)")

    report = rows("summary", date(2026, 4, 1), date(2026, 4, 30))

    (publication,) = [r for r in report if r["section"] == "publication"]
    assert (publication["day_or_isbn"], publication["copies"], publication["refunded"]) == (report_book.isbn, "1", "8.50")
    parts = [r for r in report if r["section"] in ("publication", "delivery")]
    for column in ("gross", "refunded"):
        assert money(r[column] for r in parts) == money(r[column] for r in report if r["section"] == "day"), column


def test_the_refunds_report_names_each_part(march):
    order = march["28th, 23:30 GMT"]
    back = refund(order, Decimal("3.00"), at=datetime(2026, 3, 28, 23, 45, tzinfo=UTC))  # delivery only: £2.95 ...
    RefundLine.objects.create(refund=back, order_line=order.lines.get(), quantity=0, amount=Decimal("0.05"))  # ... and 5p of a copy
    Refund.objects.filter(pk=back.pk).update(delivery_amount=Decimal("2.95"))

    (row,) = rows("refunds", date(2026, 3, 28), date(2026, 3, 28))

    assert row["lines"] == f"part of {order.lines.get().isbn} (£0.05); delivery (£2.95)"


def test_the_orders_report_names_the_status_the_reader_the_receipt_and_links_the_order(march):
    from orders.models import Receipt

    order = march["29th, 00:30 GMT"]
    Receipt.objects.create(order=order, number=1234567, seller_name="Print shop", sold_to="A Reader")
    Order.objects.filter(pk=order.pk).update(status="partially_refunded", name="Zoë Łódź")

    row = next(r for r in rows("orders", date(2026, 3, 29), date(2026, 3, 29)) if r["number"] == order.number)

    assert (row["status"], row["status_name"], row["customer"], row["receipt"]) == ("partially_refunded", "Partly refunded", "Zoë Łódź", "R-1234567")
    assert row["admin_url"] == f"http://127.0.0.1:8000/admin/orders/order/{order.pk}/change/"
    assert all(r["receipt"] == "" for r in rows("orders", date(2026, 3, 28), date(2026, 3, 28)))


def test_the_refunds_report_splits_net_and_vat_as_the_credit_note_does(march, books):
    from orders.models import CreditNote, Receipt

    order = march["30th, 00:30 BST"]
    bundle_line = order.lines.get(publication=books[1])
    back = refund(order, Decimal("12.00"), at=datetime(2026, 3, 30, 10, tzinfo=UTC), lines=[(bundle_line, 1)])
    receipt = Receipt.objects.create(order=order, number=3, seller_name="Print shop", sold_to="A Reader")
    CreditNote.objects.create(refund=back, receipt=receipt, number=2, seller_name="Print shop", sold_to="A Reader")

    (row,) = rows("refunds", date(2026, 3, 30), date(2026, 3, 30))

    assert (row["amount"], row["net"], row["vat"]) == ("12.00", "10.00", "2.00")
    assert (row["receipt"], row["credit_note"], row["customer"], row["country"]) == ("R-000003", "CN-000002", "A Reader", "GB")
    assert row["address"] == "1 High St, Leeds, LS1 1AA" and row["admin_url"].endswith(f"/admin/orders/order/{order.pk}/change/")
    (earlier,) = rows("refunds", date(2026, 3, 29), date(2026, 3, 29))  # a zero-rated copy, and no credit note yet
    assert (earlier["net"], earlier["vat"], earlier["credit_note"]) == ("8.50", "0.00", "")


def test_never_paid_orders_only_when_asked(march):
    assert "never@example.org" not in {r["email"] for r in rows("orders", date(2026, 3, 29), date(2026, 3, 29))}
    with_unpaid = rows("orders", date(2026, 3, 29), date(2026, 3, 29), include_unpaid=True)
    unpaid = next(r for r in with_unpaid if r["email"] == "never@example.org")
    assert (unpaid["paid_at"], unpaid["status"], unpaid["net_received"]) == ("", "cancelled", "0.00")


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_escaped():
    evil = PublicationFactory(title='=HYPERLINK("http://evil.example","click")', price=Decimal("5.00"))
    order = paid_order([(evil, 1)], paid_at=datetime(2026, 5, 1, 12, tzinfo=UTC), email="@attacker.example")
    refund(order, Decimal("5.00"), at=datetime(2026, 5, 1, 13, tzinfo=UTC), reason="+SUM(1,2)")
    day = date(2026, 5, 1)

    assert rows("order-lines", day, day)[0]["title"] == "'" + evil.title
    assert rows("orders", day, day)[0]["email"] == "'@attacker.example"
    assert rows("refunds", day, day)[0]["reason"] == "'+SUM(1,2)"
    sheet = openpyxl.load_workbook(reports.xlsx_file(reports.REPORTS["order-lines"], reports.Period(day, day))).active
    assert sheet.cell(row=2, column=4).value == "'" + evil.title
    assert sheet.cell(row=2, column=4).data_type == "s"


def test_the_excel_report_has_real_numbers_and_dates(march):
    sheet = openpyxl.load_workbook(reports.xlsx_file(reports.REPORTS["orders"], reports.Period(date(2026, 3, 28), date(2026, 3, 30)))).active
    header = [cell.value for cell in sheet[1]]
    first = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))

    assert isinstance(first["paid_at"], datetime) and first["paid_at"] == datetime(2026, 3, 28, 23, 30)
    assert isinstance(first["total"], (int, float)) and first["total"] == 17.00 + 2.95
    totals = sum(Decimal(str(row[header.index("total")].value)) for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1))
    assert totals == Order.objects.filter(paid_at__isnull=False).aggregate(t=Sum("total"))["t"]


def test_the_excel_report_opens_ready_to_read(march):
    sheet = openpyxl.load_workbook(reports.xlsx_file(reports.REPORTS["orders"], reports.Period(date(2026, 3, 28), date(2026, 3, 30)))).active
    header = [cell.value for cell in sheet[1]]
    total = openpyxl.utils.get_column_letter(header.index("total") + 1)

    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}5"
    assert sheet.column_dimensions["B"].width >= len("2026-03-28 23:30") and sheet.column_dimensions["G"].width >= 20  # placed_at, email
    assert sheet[f"{total}2"].number_format == "#,##0.00" and sheet["B2"].number_format == "yyyy-mm-dd hh:mm"
    totals = [cell.value for cell in sheet[6]]
    assert totals[0] == "Total" and sheet.max_row == 6
    assert totals[header.index("total")] == f"=SUBTOTAL(109,{total}2:{total}5)" and totals[header.index("email")] is None
    summary = openpyxl.load_workbook(reports.xlsx_file(reports.REPORTS["summary"], reports.Period(date(2026, 3, 28), date(2026, 3, 30)))).active
    assert summary.cell(row=summary.max_row, column=1).value != "Total"  # its sections would count twice


@pytest.fixture
def finance(client):
    user = UserFactory(username="fiona", is_staff=True)
    user.groups.add(Group.objects.get(name="Finance"))
    client.force_login(user)
    return user


def test_finance_downloads_csv_and_excel_and_each_download_is_logged(client, finance, march):
    as_csv = client.get("/api/reports/orders/", {"from": "2026-03-28", "to": "2026-03-30", "format": "csv"})
    as_xlsx = client.get("/api/reports/summary/", {"from": "2026-03-28", "to": "2026-03-30", "format": "xlsx"})

    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    assert 'filename="orders_2026-03-28_2026-03-30.csv"' in as_csv["Content-Disposition"]
    assert len(list(csv.DictReader(io.StringIO(b"".join(as_csv.streaming_content).decode())))) == 4
    assert openpyxl.load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content))).active["A2"].value == "day"
    logged = list(ReportDownload.objects.order_by("id").values_list("user__username", "report", "period_from", "period_to", "format", "via"))
    assert logged == [
        ("fiona", "orders", date(2026, 3, 28), date(2026, 3, 30), "csv", "api"),
        ("fiona", "summary", date(2026, 3, 28), date(2026, 3, 30), "xlsx", "api"),
    ]


def test_staff_outside_finance_get_403_and_strangers_get_nothing(client, api):
    client.force_login(StaffFactory())

    assert client.get("/api/reports/orders/", {"from": "2026-03-01", "to": "2026-03-31"}).status_code == 403
    assert api.get("/api/reports/orders/", {"from": "2026-03-01", "to": "2026-03-31"}).status_code == 401
    assert not ReportDownload.objects.exists()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "yesterday", "to": "2026-03-01"}, "from"),
        ({"to": "2026-03-01"}, "from"),
        ({"from": "2010-01-01", "to": "2026-03-01"}, "to"),  # over REPORT_MAX_DAYS
        ({"from": "2026-03-01", "to": "2026-03-02", "format": "pdf"}, "format"),
    ],
)
def test_bad_ranges_and_formats_are_a_400_naming_the_field(client, finance, params, field):
    response = client.get("/api/reports/orders/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_report_is_a_404(client, finance):
    assert client.get("/api/reports/profits/", {"from": "2026-03-01", "to": "2026-03-02"}).status_code == 404


def test_the_command_writes_csv_and_excel(march, tmp_path):
    call_command("export_report", "order-lines", "--from", "2026-03-28", "--to", "2026-03-30", "-o", str(tmp_path / "lines.csv"))
    call_command("export_report", "refunds", "--from", "2026-03-28", "--to", "2026-03-30", "--format", "xlsx", "-o", str(tmp_path / "refunds.xlsx"))

    assert len((tmp_path / "lines.csv").read_text().splitlines()) == 7
    assert openpyxl.load_workbook(tmp_path / "refunds.xlsx").active["H2"].value == 8.5
    assert ReportDownload.objects.filter(via="command").count() == 2


def test_a_period_too_long_to_download_at_once_is_built_and_emailed_as_a_link(client, finance, march, settings, django_capture_on_commit_callbacks):
    from django.core import mail

    from worker import tasks

    settings.REPORT_INLINE_MAX_DAYS = 31
    finance.email = "fiona@example.org"
    finance.save()

    with django_capture_on_commit_callbacks(execute=False):
        response = client.get("/api/reports/order-lines/", {"from": "2026-01-01", "to": "2026-06-30"})
    assert (response.status_code, response.json()["status"]) == (202, "building")
    download = ReportDownload.objects.get()
    assert (download.via, download.file) == ("email", "")

    tasks.build_report(download.pk)

    [message] = mail.outbox
    assert message.to == ["fiona@example.org"]
    link = next(word for word in message.body.split() if "/api/reports/download/" in word)
    path = link.split(settings.SHOP_URL, 1)[1]
    file = client.get(path)
    assert file.status_code == 200
    assert 'filename="order-lines_2026-01-01_2026-06-30.csv"' in file["Content-Disposition"]
    assert len(list(csv.DictReader(io.StringIO(b"".join(file.streaming_content).decode())))) == 6

    other = UserFactory(username="other-finance", is_staff=True)  # someone else, even in Finance, cannot use it
    other.groups.add(Group.objects.get(name="Finance"))
    client.force_login(other)
    assert client.get(path).status_code == 404


def test_an_expired_report_link_is_gone_and_its_file_removed(client, finance, march, settings, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from worker import tasks

    settings.REPORT_INLINE_MAX_DAYS = 31
    finance.email = "fiona@example.org"
    finance.save()
    with django_capture_on_commit_callbacks(execute=False):
        client.get("/api/reports/orders/", {"from": "2026-01-01", "to": "2026-06-30", "format": "xlsx"})
    download = ReportDownload.objects.get()
    tasks.build_report(download.pk)
    token = reports.download_token(download.pk)

    settings.REPORT_LINK_HOURS = 0  # links now live for no time at all...
    time.sleep(1.1)  # ...and this one is a second old
    ReportDownload.objects.filter(pk=download.pk).update(built_at=timezone.now() - timedelta(hours=1))

    assert client.get(f"/api/reports/download/{token}/").status_code == 410
    assert tasks.remove_expired_reports() == 1
    download.refresh_from_db()
    assert download.file == ""


def test_finance_downloads_from_the_admin_with_a_date_picker(client, finance, march):
    page = client.get("/admin/reports/reportdownload/export/")
    assert page.status_code == 200 and "vDateField" in page.text

    response = client.post("/admin/reports/reportdownload/export/", {"report": "refunds", "start": "2026-03-29", "end": "2026-03-29", "format": "csv"})

    assert response.status_code == 200
    assert [r["amount"] for r in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))] == ["8.50"]
    assert ReportDownload.objects.get().via == "admin"
    assert "Download a report" in client.get("/admin/reports/reportdownload/").text


def test_the_admin_report_page_refuses_staff_outside_finance_and_bad_ranges(client, finance):
    bad = client.post("/admin/reports/reportdownload/export/", {"report": "orders", "start": "2026-03-29", "end": "2026-03-01", "format": "csv"})
    assert bad.status_code == 200 and "is before" in bad.text

    client.force_login(StaffFactory())
    assert client.get("/admin/reports/reportdownload/export/").status_code == 403


def test_the_vat_return_gives_box_1_and_box_6_by_rate_and_destination_as_worked_out_by_hand(books):
    from orders.models import CreditNote, Receipt

    report, bundle = books
    april = datetime(2026, 4, 10, 12, tzinfo=UTC)

    def order(country, items, delivery, delivery_rate, paid_at=april):
        lines_vat = sum((reports_vat(p, q) for p, q in items), Decimal("0.00"))
        delivery_vat = (delivery * delivery_rate / (1 + delivery_rate)).quantize(Decimal("0.01"))
        placed = paid_order(items, paid_at=paid_at, email=f"{country.lower()}@example.org")
        Order.objects.filter(pk=placed.pk).update(
            country=country, delivery=delivery, delivery_vat_rate=delivery_rate, vat=lines_vat + delivery_vat,
            total=placed.subtotal + delivery,
        )  # fmt: skip
        placed.refresh_from_db()
        return placed

    uk = order("GB", [(report, 2)], Decimal("2.95"), Decimal("0"))
    france = order("FR", [(bundle, 1)], Decimal("6.00"), Decimal("0.2"))  # delivery standard-rated with its goods
    order("US", [(report, 1)], Decimal("10.00"), Decimal("0"))
    order("GB", [(report, 5)], Decimal("0.00"), Decimal("0"), paid_at=datetime(2026, 3, 31, 12, tzinfo=UTC))  # March's
    receipt = Receipt.objects.create(order=france, number=1, seller_name="Print shop", sold_to="A Reader")
    delivery_back = refund(france, Decimal("6.00"), at=datetime(2026, 4, 20, 9, tzinfo=UTC))
    CreditNote.objects.create(refund=delivery_back, receipt=receipt, number=1, seller_name="Print shop", sold_to="A Reader")
    Receipt.objects.create(order=uk, number=2, seller_name="Print shop", sold_to="A Reader")
    may = refund(uk, Decimal("8.50"), at=datetime(2026, 5, 2, 9, tzinfo=UTC), lines=[(uk.lines.get(), 1)])
    CreditNote.objects.create(refund=may, receipt=uk.receipt, number=2, seller_name="Print shop", sold_to="A Reader")
    # A custom amount of £3.00 back on the French order, all of it on the bundle: £0.50 of it VAT.
    goodwill = Refund.objects.create(order=france, amount=Decimal("3.00"), status="succeeded", reason="Goodwill",
                                     refunded_at=datetime(2026, 4, 25, 9, tzinfo=UTC), stripe_refund_id="re_goodwill")  # fmt: skip
    RefundLine.objects.create(refund=goodwill, order_line=france.lines.get(), quantity=0, amount=Decimal("3.00"), vat=Decimal("0.50"))
    CreditNote.objects.create(refund=goodwill, receipt=receipt, number=3, seller_name="Print shop", sold_to="A Reader")

    figures = [tuple(row.values()) for row in rows("vat-return", date(2026, 4, 1), date(2026, 4, 30))]

    assert figures == [
        ("sales", "UK", "0", "19.95", "0.00", "19.95"),  # two reports and their zero-rated delivery
        ("sales", "EU", "20", "15.00", "3.00", "18.00"),  # the bundle (£10 + £2 VAT) and its delivery (£5 + £1)
        ("sales", "rest of the world", "0", "18.50", "0.00", "18.50"),
        ("refunds", "EU", "20", "-7.50", "-1.50", "-9.00"),  # the French delivery (£5 + £1) and the goodwill (£2.50 + £0.50)
        ("box 1: VAT due on sales", "", "", "", "1.50", ""),  # £3.00 on sales less £1.50 refunded
        ("box 6: sales excluding VAT", "", "", "45.00", "", ""),  # £53.45 less £7.50: £45.95 in whole pounds
    ]
    assert [reports.destination(country) for country in ("IM", "IE", "NO")] == ["UK", "EU", "rest of the world"]
