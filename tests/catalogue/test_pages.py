"""Reader pages: the catalogue and the publication page with its comments."""

from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from catalogue import services
from catalogue.models import Comment
from tests.factories import CommentFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed():
    return PublicationFactory(
        isbn="9781909029088",
        title="Patient-centred leadership",
        subtitle="Rediscovering our purpose",
        slug="patient-centred-leadership",
        pages=52,
        price=Decimal("8.50"),
        key_findings=["Leaders who put care first have engaged staff.", "Command and control disengages."],
        policy_implications="Boards should measure engagement.",
        stock=10,
        topics=[TopicFactory(name="Leadership", slug="leadership")],
    )


def test_catalogue_lists_publications_with_price(client, seed):
    response = client.get("/")

    assert response.status_code == 200
    assert "Patient-centred leadership" in response.text
    assert "Print copy: £8.50" in response.text


def test_catalogue_search_by_isbn_finds_the_publication(client, seed):
    PublicationFactory(title="Another report")

    response = client.get("/", {"search": "978-1-909029-08-8"})

    assert "Patient-centred leadership" in response.text
    assert "Another report" not in response.text


def test_catalogue_with_a_bad_topic_says_so_instead_of_failing(client, seed):
    response = client.get("/", {"topic": "nope"})

    assert response.status_code == 200
    assert "could not be applied" in response.text


def test_publication_page_shows_what_a_reader_expects(client, seed):
    CommentFactory(publication=seed, name="Dr Sarah Okafor", job_title="Medical Director", organisation="Northfield Trust", email="sarah@secret.example")

    page = client.get("/publications/patient-centred-leadership/").text

    for text in [
        "<h1>Patient-centred leadership</h1>",
        "Rediscovering our purpose",
        "What we found and why it matters.",
        "<li>Leaders who put care first have engaged staff.</li>",
        "Boards should measure engagement.",
        "Print copy: £8.50",
        ">Buy</button>",
        "No. of pages: 52",
        "ISBN: <span class=\"isbn\">978-1-909029-08-8</span>",
        '<a href="#comments">Comments: 1</a>',
        "<strong>Dr Sarah Okafor</strong>",
        '<span class="job-title">Medical Director</span><br><span class="organisation">Northfield Trust</span>',
        "Add new comment",
        "csrfmiddlewaretoken",
    ]:
        assert text in page, text
    assert "sarah@secret.example" not in page


def test_publication_page_of_an_out_of_stock_title_has_no_buy_button(client):
    PublicationFactory(slug="gone", stock=0)

    page = client.get("/publications/gone/").text

    assert "out of stock" in page
    assert ">Buy</button>" not in page


def test_publication_page_of_a_title_not_on_sale_says_so(client):
    PublicationFactory(slug="withdrawn", on_sale=False, stock=5)

    page = client.get("/publications/withdrawn/").text

    assert "Print copy not available" in page
    assert ">Buy</button>" not in page


def test_unknown_publication_page_is_404(client):
    assert client.get("/publications/nothing-here/").status_code == 404


def test_publication_page_query_count_is_fixed(client, seed, django_assert_max_num_queries):
    CommentFactory.create_batch(10, publication=seed)

    with django_assert_max_num_queries(4):
        client.get("/publications/patient-centred-leadership/")


FORM = {"name": "A Reader", "email": "reader@example.org", "job_title": "Nurse", "organisation": "NHS Trust", "body": "Very useful."}


def test_posted_comment_is_invisible_until_approved(client, seed, django_capture_on_commit_callbacks):
    response = client.post("/publications/patient-centred-leadership/comments/", FORM, follow=True)

    assert "awaiting moderation" in response.text
    assert "Very useful." not in response.text
    assert "Comments: 0" in response.text

    with django_capture_on_commit_callbacks(execute=True):
        services.comments_moderate(comments=Comment.objects.all(), status=Comment.Status.APPROVED, by=None)
    page = client.get("/publications/patient-centred-leadership/").text
    assert "Very useful." in page
    assert "Comments: 1" in page
    assert "reader@example.org" not in page


def test_comment_with_the_honeypot_filled_is_dropped_quietly(client, seed):
    response = client.post("/publications/patient-centred-leadership/comments/", {**FORM, "website": "spam"}, follow=True)

    assert "awaiting moderation" in response.text
    assert Comment.objects.count() == 0


def test_comment_form_errors_are_shown_next_to_their_fields(client, seed):
    response = client.post("/publications/patient-centred-leadership/comments/", {"email": "nope"})

    assert response.status_code == 400
    assert 'id="id_name-error"' in response.text
    assert 'id="id_email-error"' in response.text
    assert Comment.objects.count() == 0


def test_comment_form_needs_a_csrf_token(seed):
    strict = Client(enforce_csrf_checks=True)

    assert strict.post("/publications/patient-centred-leadership/comments/", FORM).status_code == 403
    assert Comment.objects.count() == 0


def test_comment_form_is_rate_limited_with_429(client, seed, settings):
    settings.COMMENT_RATE = "2/m"

    codes = [client.post("/publications/patient-centred-leadership/comments/", FORM).status_code for _ in range(3)]

    assert codes == [302, 302, 429]
    assert Comment.objects.count() == 2


def test_after_posting_a_comment_the_thanks_is_beside_the_form_where_the_reader_is(client, seed):
    response = client.post("/publications/patient-centred-leadership/comments/", FORM)

    assert response["Location"] == "/publications/patient-centred-leadership/#add-comment"
    page = BeautifulSoup(client.get(response["Location"]).text, "html.parser")
    assert "awaiting moderation" in page.select_one("section#add-comment").get_text()
    assert not page.select(".messages")  # not also at the top, out of sight


def test_a_comment_with_errors_brings_the_reader_back_to_the_form_focused_on_the_first(client, seed):
    response = client.post("/publications/patient-centred-leadership/comments/", {**FORM, "name": "", "body": ""})

    page = BeautifulSoup(response.text, "html.parser")
    form = page.select_one("section#add-comment form.comment-form")
    assert response.status_code == 400
    assert form["action"].endswith("#add-comment")  # the browser returns to the form with the answer
    assert [field["name"] for field in form.select("[autofocus]")] == ["name"]
    assert [field["name"] for field in form.select("[aria-invalid=true]")] == ["name", "body"]
    assert "not posted" in form.select_one("[role=alert]").get_text()


def test_a_publications_address_is_what_the_url_configuration_reverses_under_any_script_prefix():
    from django.urls import reverse, set_script_prefix

    from catalogue.models import Publication

    publication = Publication(slug="patient-centred_leadership-2")
    try:
        for prefix in ("/", "/shop/"):
            set_script_prefix(prefix)
            assert publication.get_absolute_url() == reverse("catalogue:publication", kwargs={"slug": publication.slug})
        assert publication.get_absolute_url() == "/shop/publications/patient-centred_leadership-2/"
    finally:
        set_script_prefix("/")


def test_a_long_date_reads_as_the_date_filter_writes_it_in_the_active_language():
    from datetime import date

    from django.template.defaultfilters import date as date_filter
    from django.utils import translation

    from catalogue.templatetags.catalogue import long_date

    for day in (date(2024, 3, 3), date(2013, 12, 31)):
        assert long_date(day) == date_filter(day, "j F Y")
        with translation.override("fr"):
            assert long_date(day) == date_filter(day, "j F Y")
    assert long_date(date(2024, 3, 3)) == "3 March 2024" and long_date(None) == ""


def test_a_catalogue_card_shows_the_title_linked_subtitle_date_pages_isbn_and_whether_a_copy_can_be_bought(client):
    PublicationFactory(
        title="Care <& cure>", subtitle="A “review”", slug="care-and-cure", published=date(2024, 3, 3), pages=52,
        isbn="9781909029088", price=Decimal("12.00"), stock=2,
    )  # fmt: skip
    PublicationFactory(title="Undated", subtitle="", published=None, pages=9, stock=0)
    PublicationFactory(title="Withdrawn", on_sale=False, stock=5)

    cards = {card.h2.get_text(): card for card in BeautifulSoup(client.get("/").text, "html.parser").select("li.publication-card")}

    def said(card, selector):
        found = card.select_one(selector)
        return found and " ".join(found.get_text().split())

    first = cards["Care <& cure>"]
    assert first.h2.a["href"] == "/publications/care-and-cure/" and said(first, "p.subtitle") == "A “review”"
    assert said(first, "p.meta") == "Published 3 March 2024 · 52 pages · ISBN 978-1-909029-08-8"
    assert said(first, "p.price") == "Print copy: £12.00"
    assert said(cards["Undated"], "p.subtitle") is None and said(cards["Undated"], "p.meta").startswith("9 pages · ISBN 978-")
    assert said(cards["Undated"], "p.price") == "Print copy: £8.50 (out of stock)" and said(cards["Undated"], "p.price .unavailable") == "(out of stock)"
    assert said(cards["Withdrawn"], "p.price") == "Print copy not available" and said(cards["Withdrawn"], "p.price .unavailable") == "Print copy not available"
