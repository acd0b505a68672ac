"""The HTML forms fuzzed as the API is (attacker's round two): each form is fetched as a person
sees it, some of its fields are replaced with what Hypothesis draws (and, first, with each
finding's input as an explicit example), and the answer must never be a server error.

Readers' forms: basket add and update, checkout, comments. The admin's, signed in as a
superuser: publication change, stock movement, refund (single and bulk), delivery method,
comment moderation, catalogue import and report download. On SQLite in `make test`, and on
PostgreSQL in .ci/run's second pass (where NUL characters and column lengths bite).
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings, strategies as st

from catalogue.models import Comment
from orders import gateway, services
from orders.models import DeliveryMethod, Order
from tests.factories import CommentFactory, PublicationFactory, UserFactory
from tests.forms import as_submitted
from tests.payments import order_body

pytestmark = pytest.mark.django_db

# What the attacker sent, and the edges every field is tried at.
BOUNDARY = [
    "", " ", "\x00", "a\x00b", "line\nbreak", "line\r\nbreak", "²", "٣", "9" * 5000, "-1", "0", "1e308", "NaN",
    "x" * 254, "x" * 255, "a" * 310 + "@example.org", "=HYPERLINK(\"https://evil.example\")", "@SUM(1+1)",
    "<script>alert(1)</script>", "'; DROP TABLE orders; --", "\ud7ff\ue000\U0010ffff", "🙂" * 100,
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(BOUNDARY),
    st.text(max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.from_regex(r"[0-9]{1,6000}", fullmatch=True),
    st.dates().map(str),
)


# A publication page in the importer's form; {} is where the fuzzed text goes (title and a comment).
PAGE = (
    "Title {0}\n\nSubtitle\nComments: 1\nA summary.\n\nKey findings\n\n  • A finding.\n\n"
    "Print copy: £8.50 | Buy\n\nNo. of pages: 52\n\nISBN: 978 1 909029 08 8\n\nComments\n\n"
    "#40464 A Name {0}\nJob\nPlace\n\nThe comment {0}.\n\nAdd new comment"
)


@dataclass
class Case:
    """A form: where the page is, which form on it, and which fields to fuzz (the rest as shown)."""

    name: str
    page: str  # filled in from the world: {slug} {order} {method} {comment} {publication} {isbn}
    form: str
    fields: list[str]
    action: str = ""  # where it posts, if not the page itself
    staff: bool = False
    files: dict = field(default_factory=dict)  # field → content strategy, for uploads
    examples: list[dict] = field(default_factory=list)


CASES = [
    Case("basket add", "/publications/{slug}/", "#buy-form", ["isbn", "quantity"], action="/basket/add/",
         examples=[{"quantity": "²"}, {"quantity": "9" * 5000}, {"isbn": "\x00"}]),
    Case("basket update", "/basket/", "form[action='/basket/update/']", ["quantity-{isbn}", "delivery_method", "remove"],
         action="/basket/update/",
         examples=[{"quantity-{isbn}": "²"}, {"quantity-{isbn}": "9" * 5000}, {"delivery_method": "uk-standard\x00"}]),
    Case("checkout", "/checkout/", "form.checkout-form", ["email", "name", "line1", "line2", "city", "postcode", "country"],
         examples=[{"email": "a" * 310 + "@example.org"}, {"line1": "1 High St\n\nPACKING LIST: 500 copies"},
                   {"name": "A\x00Reader"}, {"postcode": "x" * 21}]),
    Case("comment", "/publications/{slug}/", "form.comment-form", ["name", "email", "job_title", "organisation", "body"],
         action="/publications/{slug}/comments/", examples=[{"email": "a" * 310 + "@example.org"}, {"body": "\x00"}]),
    Case("publication change", "/admin/catalogue/publication/{publication}/change/", "publication_form",
         ["title", "subtitle", "price", "pages", "summary", "key_findings", "isbn", "published", "reorder_level"], staff=True,
         examples=[{"title": "=HYPERLINK(\"https://evil.example\")"}, {"price": "9" * 5000}, {"pages": "²"}, {"title": "\x00"}]),
    Case("stock movement", "/admin/catalogue/publication/{publication}/change/", "publication_form",
         ["stock_movements-0-delta", "stock_movements-0-reason", "stock_movements-0-note"], staff=True,
         examples=[{"stock_movements-0-delta": "2147483647"}, {"stock_movements-0-delta": "9" * 5000},
                   {"stock_movements-0-note": "\x00"}]),
    Case("refund", "/admin/orders/order/{order}/refund/", "#content form", ["reason", "line_{line}", "whole_order", "restock"],
         staff=True, examples=[{"line_{line}": "9" * 5000}, {"reason": "x" * 256}, {"line_{line}": "-1"}]),
    Case("bulk refund", "/admin/orders/order/", "#changelist-form", ["action", "_selected_action", "index"], staff=True,
         examples=[{"action": "refund_in_full", "_selected_action": "{order}"}, {"_selected_action": "9" * 5000}]),
    Case("delivery method", "/admin/orders/deliverymethod/{method}/change/", "deliverymethod_form",
         ["code", "name", "price", "free_over", "delivery_window"], staff=True,
         examples=[{"price": "1e308"}, {"code": "uk\x00standard"}, {"name": "x" * 101}]),
    Case("comment moderation", "/admin/catalogue/comment/{comment}/change/", "comment_form",
         ["status", "name", "body", "job_title", "organisation"], staff=True, examples=[{"status": "\x00"}, {"name": "x" * 500}]),
    Case("comment moderation action", "/admin/catalogue/comment/", "#changelist-form", ["action", "_selected_action"],
         staff=True, examples=[{"action": "approve", "_selected_action": "{comment}"}, {"action": "reject\x00"}]),
    Case("catalogue import", "/admin/catalogue/publication/import/", "#content form", ["format"], staff=True,
         files={"import_file": st.one_of(st.sampled_from(BOUNDARY), st.text(max_size=2000)).map(
             lambda body: "isbn,title,price,stock\n9781909029088," + body + ",8.50,10\n")},
         examples=[{"format": "0", "import_file": "isbn,title\n\x00,=HYPERLINK(1)\n"}]),
    Case("page import", "/admin/catalogue/publication/import-pages/", "#content form", [], staff=True,
         files={"files": st.one_of(st.sampled_from(BOUNDARY), st.text(max_size=2000)).map(lambda text: PAGE.format(text))},
         examples=[{"files": PAGE.format("\x00")}, {"files": PAGE.replace("#40464", "#99999999999")},
                   {"files": PAGE.replace("52", "9" * 30)}, {"files": PAGE.format("x" * 300)}]),
    Case("report download", "/admin/reports/reportdownload/export/", "#content form", ["report", "start", "end", "format"],
         staff=True, examples=[{"start": "9" * 5000}, {"end": "2026-13-45"}, {"report": "orders\x00"}]),
]  # fmt: skip


@pytest.fixture
def world(client, stripe_emulator):
    """A publication, an open basket, a paid order with a line, a delivery method and a comment."""
    publication = PublicationFactory(slug="patient-centred-leadership", isbn="9781909029088", price=Decimal("8.50"), stock=500)
    order = services.order_place(
        email="reader@example.org", address={k: v for k, v in order_body()["delivery"].items()},
        delivery_method=DeliveryMethod.objects.get(code="uk-standard"), items=[(publication, 2)],
    )  # fmt: skip
    services.payment_succeeded(
        intent=gateway.Intent(order.payment_intent, "succeeded", gateway.to_pence(order.total), "gbp", "", order.number, "ch_x", ""),
        source="test",
    )  # fmt: skip
    values = {
        "slug": publication.slug, "isbn": publication.isbn, "publication": publication.pk, "order": order.pk,
        "line": Order.objects.get(pk=order.pk).lines.get().pk, "method": DeliveryMethod.objects.first().pk,
        "comment": CommentFactory(publication=publication, status=Comment.Status.PENDING).pk,
    }  # fmt: skip
    return values


def _filled(text: str, values: dict) -> str:
    return text.format(**values)


def _submit(client, case: Case, values: dict, world: dict):
    if case.staff:
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    else:
        client.post("/basket/add/", {"isbn": world["isbn"], "quantity": "1"})
    page = client.get(_filled(case.page, world))
    assert page.status_code == 200, (case.name, page.status_code)
    data = as_submitted(page.content.decode(), case.form)
    uploads = {}
    for name, value in values.items():
        name = _filled(name, world)
        if name in case.files:
            uploads[name] = SimpleUploadedFile("catalogue.csv", value.encode("utf-8", "surrogatepass"), "text/csv")
        else:
            data[name] = [_filled(value, world) if value in ("{order}", "{comment}") else value]
    return client.post(_filled(case.action or case.page, world), {**data, **uploads})


@pytest.mark.parametrize(
    "case, example", [(case, example) for case in CASES for example in case.examples], ids=lambda v: getattr(v, "name", None)
)
def test_each_findings_input_in_each_form_is_not_a_server_error(client, world, case, example):
    answer = _submit(client, case, example, world)

    assert answer.status_code < 500, (case.name, example, answer.status_code)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_forms_are_never_a_server_error(client, world, case, data):
    drawn = {name: data.draw(VALUES, label=name) for name in case.fields}
    drawn.update({name: data.draw(strategy, label=name) for name, strategy in case.files.items()})

    answer = _submit(client, case, drawn, world)

    assert answer.status_code < 500, (case.name, drawn, answer.status_code)
