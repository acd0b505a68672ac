"""Finance's home: the reports page (form first, with the periods accountants use, past downloads
below), landing there on signing in, and the monthly pack of every report as Excel in one zip,
downloaded there or emailed on the month's first working day."""

import io
import re
import zipfile
from datetime import date

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core import mail

from reports import finance, periods
from reports.models import ReportDownload
from tests.factories import StaffFactory, UserFactory
from worker import services as worker_services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "today, stagger, quarter",
    [
        (date(2026, 11, 28), 1, (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2026, 11, 28), 2, (date(2026, 8, 1), date(2026, 10, 31))),
        (date(2026, 11, 28), 3, (date(2026, 6, 1), date(2026, 8, 31))),
        (date(2026, 1, 5), 1, (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 2, 1), 2, (date(2025, 11, 1), date(2026, 1, 31))),
    ],
)
def test_the_last_vat_quarter_follows_its_stagger(today, stagger, quarter):
    period = periods.last_vat_quarter(today, stagger)
    assert (period.start, period.end) == quarter


def test_last_month_and_the_financial_year_to_date():
    assert periods.last_month(date(2026, 1, 15)) == finance.Period(date(2025, 12, 1), date(2025, 12, 31))
    assert periods.last_month(date(2026, 3, 1)) == finance.Period(date(2026, 2, 1), date(2026, 2, 28))
    assert periods.financial_year_to_date(date(2026, 11, 28), 4) == finance.Period(date(2026, 4, 1), date(2026, 11, 28))
    assert periods.financial_year_to_date(date(2026, 2, 3), 4) == finance.Period(date(2025, 4, 1), date(2026, 2, 3))


@pytest.fixture
def fiona(client):
    user = UserFactory(username="fiona", is_staff=True, email="fiona@example.org")
    user.groups.add(Group.objects.get(name="Finance"))
    return user


def test_finance_land_on_the_reports_page_with_the_form_before_the_downloads(client, fiona):
    signed_in = client.post("/admin/login/?next=/admin/", {"username": "fiona", "password": "password", "next": "/admin/"})
    assert signed_in.status_code == 302 and signed_in.url == "/admin/reports/reportdownload/"

    page = client.get(signed_in.url, {"preset": "last-vat-quarter"}).text
    assert page.index("Download a report") < page.index("Past downloads")
    assert "admin/css/widgets.css" in page  # the date picker's icon
    quarter = periods.last_vat_quarter(date.today(), 1)
    assert f'value="{quarter.start:%d/%m/%Y}"' in page and f'value="{quarter.end:%d/%m/%Y}"' in page
    assert "<title>Finance reports" in page


def test_staff_still_land_on_the_front_page(client):
    staff = StaffFactory(username="sam")
    staff.groups.add(Group.objects.get(name="Staff"))
    assert client.post("/admin/login/?next=/admin/", {"username": "sam", "password": "password", "next": "/admin/"}).url == "/admin/"


def test_a_bad_range_names_the_field_and_both_dates(client, fiona):
    client.force_login(fiona)
    page = client.post("/admin/reports/reportdownload/export/", {"report": "orders", "start": "2026-11-30", "end": "2026-11-01", "format": "csv"})
    assert page.context["form"].errors["end"] == ["The end date, 2026-11-01, is before the start date, 2026-11-30."]


def workbook(data: bytes, name: str):
    with zipfile.ZipFile(io.BytesIO(data)) as pack:
        return openpyxl.load_workbook(io.BytesIO(pack.read(name))).active, pack.namelist()


def test_last_months_pack_holds_every_report_as_excel_ready_to_read(client, fiona):
    client.force_login(fiona)
    response = client.get("/admin/reports/reportdownload/pack/", {"from": "2026-10-01", "to": "2026-10-31"})

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    sheet, names = workbook(b"".join(response.streaming_content), "orders_2026-10-01_2026-10-31.xlsx")
    assert sorted(names) == sorted(f"{name}_2026-10-01_2026-10-31.xlsx" for name in finance.REPORTS)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet.column_dimensions["A"].width > 8
    assert sheet.cell(row=sheet.max_row, column=1).value == "Total"
    assert ReportDownload.objects.get().report == "pack"


def test_the_monthly_pack_is_emailed_to_finance_on_the_first_working_day_only_once(client, fiona, settings):
    UserFactory(username="no-email", is_staff=True, email="").groups.add(Group.objects.get(name="Finance"))

    assert worker_services.monthly_pack_send(today=date(2026, 11, 1)) == "before the month's first working day"  # a Sunday
    assert worker_services.monthly_pack_send(today=date(2026, 11, 2)) == "the pack for 2026-10-01_2026-10-31 sent to 1 person(s)"  # a Monday
    assert worker_services.monthly_pack_send(today=date(2026, 11, 2)) == "the pack for 2026-10-01_2026-10-31 was sent already"
    assert worker_services.monthly_pack_send(today=date(2026, 11, 20)) == "the pack for 2026-10-01_2026-10-31 was sent already"
    assert worker_services.monthly_pack_send(today=date(2026, 8, 5)) == "the pack for 2026-07-01_2026-07-31 sent to 1 person(s)"  # missed on the 3rd

    [first, _] = mail.outbox
    assert first.to == ["fiona@example.org"] and first.subject == "Your finance pack for 2026-10-01 to 2026-10-31 is ready"
    link = re.search(r"https?://\S+/api/reports/download/\S+/", first.body).group(0)
    client.force_login(fiona)
    download = client.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert download.status_code == 200
    sheet, _ = workbook(b"".join(download.streaming_content), "summary_2026-10-01_2026-10-31.xlsx")
    assert sheet.freeze_panes == "A2"


def test_the_first_working_day_skips_weekends_and_bank_holidays():
    from orders.working_days import is_first_working_day_of_month

    assert is_first_working_day_of_month(date(2026, 11, 2))  # Sunday the 1st
    assert not is_first_working_day_of_month(date(2026, 1, 1))  # New Year's Day
    assert is_first_working_day_of_month(date(2026, 1, 2))
    assert not is_first_working_day_of_month(date(2026, 12, 2))


def test_a_vat_stagger_hmrc_does_not_use_is_refused_at_start(settings):
    from django.core import checks

    settings.VAT_QUARTER_STAGGER, settings.FINANCIAL_YEAR_START_MONTH = 4, 13
    assert sorted(error.id for error in checks.run_checks() if error.id.startswith("shop.E02")) == ["shop.E020", "shop.E021"]


def test_a_pack_longer_than_one_download_is_refused(client, fiona):
    client.force_login(fiona)
    response = client.get("/admin/reports/reportdownload/pack/", {"from": "2024-01-01", "to": "2026-10-31"}, follow=True)
    assert "A pack covers at most 366 days" in response.text and not ReportDownload.objects.exists()
