"""The staff's admin: search, filters, list edits, stock movements, history, import and export."""

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from catalogue.models import Comment, Publication
from tests.factories import CommentFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalogue/publication/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def seed():
    return PublicationFactory(isbn="9781909029088", title="Patient-centred leadership", price=Decimal("8.50"), stock=20)


@pytest.mark.parametrize("term", ["978-1-909029-08-8", "1-909029-08-4", "9781909029088", "patient-centred"])
def test_admin_search_finds_by_title_or_isbn_in_any_format(staff_client, seed, term):
    PublicationFactory(title="Other")

    response = staff_client.get(CHANGELIST, {"q": term})

    assert list(response.context["cl"].result_list) == [seed]


def test_admin_low_stock_filter(staff_client, seed):
    low = PublicationFactory(stock=3, reorder_level=5)

    response = staff_client.get(CHANGELIST, {"stock_level": "low"})

    assert list(response.context["cl"].result_list) == [low]


def test_admin_list_edit_of_price_is_recorded_with_who(client, seed):
    manager = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(manager)

    response = client.post(
        CHANGELIST,
        {
            "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1",
            "form-0-id": str(seed.pk), "form-0-price": "9.50", "form-0-on_sale": "on",
            "_save": "Save",
        },
    )  # fmt: skip

    assert response.status_code == 302
    seed.refresh_from_db()
    assert (seed.price, seed.stock) == (Decimal("9.50"), 20)
    change = seed.price_changes.first()
    assert (change.old_price, change.new_price, change.changed_by) == (Decimal("8.50"), Decimal("9.50"), manager)


def change_form_data(publication, **overrides):
    data = {
        "isbn": publication.isbn, "title": publication.title, "subtitle": publication.subtitle,
        "slug": publication.slug, "authors": "\n".join(publication.authors), "published": "2024-01-15",
        "pages": publication.pages, "price": str(publication.price), "on_sale": "on",
        "reorder_level": publication.reorder_level, "summary": publication.summary,
        "key_findings": "\n".join(publication.key_findings), "policy_implications": publication.policy_implications,
        "stock_movements-TOTAL_FORMS": "1", "stock_movements-INITIAL_FORMS": "0",
        "stock_movements-MIN_NUM_FORMS": "0", "stock_movements-MAX_NUM_FORMS": "1",
        "stock_movements-0-reason": "goods_in",  # the empty movement row as the page shows it
        "stock_movements-2-TOTAL_FORMS": "0", "stock_movements-2-INITIAL_FORMS": "0",
        "price_changes-TOTAL_FORMS": "0", "price_changes-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_admin_adds_a_stock_movement_with_reason_and_who(client, seed):
    clerk = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(clerk)

    response = client.post(
        f"{CHANGELIST}{seed.pk}/change/",
        change_form_data(seed, **{"stock_movements-0-delta": "100", "stock_movements-0-reason": "goods_in", "stock_movements-0-note": "Reprint"}),
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    seed.refresh_from_db()
    assert seed.stock == 120
    movement = seed.stock_movements.first()
    assert (movement.delta, movement.reason, movement.note, movement.created_by) == (100, "goods_in", "Reprint", clerk)


def test_admin_refuses_a_stock_movement_below_zero_with_a_message(staff_client, seed):
    response = staff_client.post(
        f"{CHANGELIST}{seed.pk}/change/",
        change_form_data(seed, **{"stock_movements-0-delta": "-25", "stock_movements-0-reason": "damaged"}),
    )

    assert response.status_code == 200
    assert "Only 20 copies are in stock." in response.text
    seed.refresh_from_db()
    assert seed.stock == 20


@pytest.mark.parametrize(
    "isbn, message",
    [
        ("978-1-909029-08-9", "The check digit is wrong"),
        ("978-1-909029-08", "An ISBN has 10 or 13 digits"),
        ("978-1-9O9029-08-8", "An ISBN has only digits"),
    ],
)
def test_admin_refuses_a_wrong_isbn_with_a_clear_message(staff_client, seed, isbn, message):
    response = staff_client.post(f"{CHANGELIST}{seed.pk}/change/", change_form_data(seed, isbn=isbn))

    assert response.status_code == 200
    assert message in response.text
    seed.refresh_from_db()
    assert seed.isbn == "9781909029088"


def test_admin_stores_an_isbn10_as_its_isbn13(staff_client, seed):
    response = staff_client.post(f"{CHANGELIST}{seed.pk}/change/", change_form_data(seed, isbn="0-306-40615-2"))

    assert response.status_code == 302
    seed.refresh_from_db()
    assert seed.isbn == "9780306406157"


def test_admin_change_page_shows_price_history_and_stock_ledger(client, seed):
    manager = UserFactory(is_staff=True, is_superuser=True, username="margaret")
    client.force_login(manager)
    seed.price = Decimal("9.00")
    from catalogue import services

    services.publication_save(publication=seed, by=manager)
    services.stock_adjust(publication=seed, delta=-2, reason="damaged", by=manager, note="Torn covers")

    page = client.get(f"{CHANGELIST}{seed.pk}/change/").text

    assert "Price history" in page and "9.00" in page and "margaret" in page
    assert "Stock ledger" in page and "Torn covers" in page and "Damaged" in page


def test_admin_approves_comments(staff_client, seed):
    pending = CommentFactory(publication=seed, status=Comment.Status.PENDING)

    staff_client.post("/admin/catalogue/comment/", {"action": "approve", "_selected_action": [pending.pk]})

    pending.refresh_from_db()
    assert pending.status == Comment.Status.APPROVED
    assert pending.moderated_by is not None


def test_admin_exports_the_catalogue_as_csv_and_xlsx(staff_client, seed):
    as_csv = staff_client.post(f"{CHANGELIST}export/", {"format": "0", "resource": "0", **{f"publicationresource_{f}": "on" for f in ["isbn", "title", "price", "stock"]}})
    as_xlsx = staff_client.post(f"{CHANGELIST}export/", {"format": "1", "resource": "0", **{f"publicationresource_{f}": "on" for f in ["isbn", "title", "price", "stock"]}})

    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows == [{"isbn": "9781909029088", "title": "Patient-centred leadership", "price": "8.50", "stock": "20"}]
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [cell.value for cell in sheet[2]][:2] == ["9781909029088", "Patient-centred leadership"]


def upload(client, content: str):
    file = io.BytesIO(content.encode())
    file.name = "catalogue.csv"
    return client.post(f"{CHANGELIST}import/", {"resource": "0", "format": "0", "import_file": file})


HEADER = "isbn,title,subtitle,slug,price,on_sale,stock,reorder_level,pages,published,authors,topics,summary,key_findings,policy_implications\n"


def test_admin_import_refuses_a_file_with_a_bad_row_and_applies_nothing(staff_client, seed):
    content = (
        HEADER
        + '978-1-909029-08-8,Patient-centred leadership,,patient-centred-leadership,9.99,1,20,10,52,2014-05-15,A,,S,F,P\n'
        + '978-1-909029-09-9,Bad check digit,,bad,5.00,1,5,10,10,2020-01-01,A,,S,F,P\n'
    )

    response = upload(staff_client, content)

    assert "Some rows failed to validate" in response.text
    assert [(row.number, row.field_specific_errors) for row in response.context["result"].invalid_rows] == [
        (2, {"isbn": ["The check digit is wrong: this is not a valid ISBN."]})
    ]
    assert response.context.get("confirm_form") is None
    seed.refresh_from_db()
    assert seed.price == Decimal("8.50")
    assert Publication.objects.count() == 1


def test_admin_import_of_a_good_file_updates_price_and_stock_through_history_and_ledger(client, seed):
    manager = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(manager)
    content = (
        HEADER
        + '1-909029-08-4,Patient-centred leadership,,patient-centred-leadership,9.99,1,25,10,52,2014-05-15,A,,S,F,P\n'
        + '978-1-909029-09-5,A new report,,a-new-report,5.00,1,7,10,10,2020-01-01,B,,S,F,P\n'
    )
    preview = upload(client, content)
    confirm = preview.context["confirm_form"]

    response = client.post(f"{CHANGELIST}process_import/", {**confirm.initial})

    assert response.status_code == 302
    seed.refresh_from_db()
    assert (seed.price, seed.stock) == (Decimal("9.99"), 25)
    assert seed.price_changes.first().changed_by == manager
    assert seed.stock_movements.first().delta == 5
    new = Publication.objects.get(isbn="9781909029095")
    assert (new.stock, new.stock_movements.get().reason) == (7, "correction")


def test_saving_a_publication_as_the_page_shows_it_records_no_stock_movement(client):
    from tests.forms import as_submitted

    publication = PublicationFactory(stock=10)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/catalogue/publication/{publication.pk}/change/")

    saved = client.post(f"/admin/catalogue/publication/{publication.pk}/change/", as_submitted(page.content.decode(), "publication_form"))

    assert saved.status_code == 302, saved.context["errors"] if saved.context else saved
    assert publication.stock_movements.count() == 1


COMMENTS = "/admin/catalogue/comment/"


def test_comments_awaiting_moderation_come_first_with_their_whole_text(staff_client, seed):
    from catalogue.models import Comment

    approved = CommentFactory(publication=seed, status=Comment.Status.APPROVED, body="Old and approved.")
    waiting = CommentFactory(publication=seed, body="A long comment. " * 20 + "\nThe last line, not cut off.")

    page = staff_client.get(COMMENTS)

    assert list(page.context["cl"].result_list)[:2] == [waiting, approved]
    assert "The last line, not cut off." in page.text
    assert f'formaction="/admin/catalogue/comment/{waiting.pk}/moderate/"' in page.text


def test_a_comment_is_approved_or_rejected_from_its_own_page_and_the_list(staff_client, seed):
    from catalogue.models import Comment

    comment = CommentFactory(publication=seed, status=Comment.Status.PENDING)
    own_page = f"{COMMENTS}{comment.pk}/change/"
    page = staff_client.get(own_page).text
    assert f'action="/admin/catalogue/comment/{comment.pk}/moderate/"' in page and 'value="approved">Approve</button>' in page

    answer = staff_client.post(f"{COMMENTS}{comment.pk}/moderate/", {"status": "approved"}, HTTP_REFERER=f"http://testserver{own_page}")

    comment.refresh_from_db()
    assert (answer.status_code, answer["Location"], comment.status) == (302, f"http://testserver{own_page}", "approved")
    assert comment.moderated_by is not None
    staff_client.post(f"{COMMENTS}{comment.pk}/moderate/", {"status": "rejected"}, HTTP_REFERER="https://evil.example/")
    comment.refresh_from_db()
    assert comment.status == "rejected"
    assert staff_client.get(f"{COMMENTS}{comment.pk}/moderate/").status_code == 405
    assert staff_client.post(f"{COMMENTS}{comment.pk}/moderate/", {"status": "pending"}).status_code == 400


def test_admin_import_lists_every_error_with_the_files_line_numbers_and_keeps_the_file(staff_client, seed):
    content = (
        HEADER
        + '978-1-909029-08-8,Patient-centred leadership,,patient-centred-leadership,9.99,1,20,10,52,2014-05-15,A,,S,F,P\n'
        + '978-1-909029-09-9,Bad check digit,,bad,5.00,1,5,10,10,2020-01-01,A,,S,F,P\n'
        + '9781909029095,Bad price,,bad-price,five,1,5,10,10,2020-01-01,A,,S,F,P\n'
    )

    response = upload(staff_client, content)
    errors = [" ".join(item.split()) for item in re.findall(r"<li>(Line \d+.*?)</li>", response.text, re.S)]

    assert errors[0] == "Line 3, <strong>isbn</strong>: The check digit is wrong: this is not a valid ISBN."
    assert errors[1].startswith("Line 4, <strong>price</strong>:")
    kept = response.context["kept_file"]
    assert kept["file_name"] == "catalogue.csv"
    again = staff_client.post(f"{CHANGELIST}import/", {"resource": "0", "format": "0", "kept_file": kept["name"], "kept_file_name": "catalogue.csv"})
    assert [row.number for row in again.context["result"].invalid_rows] == [2, 3]  # the same file, read again
    assert 'value="Try catalogue.csv again"' in again.text


def test_the_export_page_has_no_inline_script_or_style(staff_client, seed):
    page = staff_client.get(f"{CHANGELIST}export/").text

    assert "onchange=" not in page and "style=" not in page
    assert "catalogue/export-select-all.js" in page
