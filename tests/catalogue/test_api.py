"""The catalogue API, through its public contract."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from catalogue.models import Comment, PriceChange
from tests.factories import (
    CommentFactory,
    PublicationFactory,
    StaffFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SEED_ISBN = "9781909029088"


@pytest.fixture
def seed():
    leadership = TopicFactory(name="Leadership", slug="leadership")
    return PublicationFactory(
        isbn=SEED_ISBN,
        title="Patient-centred leadership",
        subtitle="Rediscovering our purpose",
        slug="patient-centred-leadership",
        pages=52,
        price=Decimal("8.50"),
        stock=20,
        topics=[leadership],
    )


def test_list_shows_the_contract_fields(api, seed):
    response = api.get("/api/publications/")

    assert response.status_code == 200
    assert response.data["count"] == 1
    item = response.data["results"][0]
    assert item == {
        "isbn": SEED_ISBN,
        "isbn_display": "978-1-909029-08-8",
        "title": "Patient-centred leadership",
        "subtitle": "Rediscovering our purpose",
        "slug": "patient-centred-leadership",
        "price": "8.50",
        "currency": "GBP",
        "pages": 52,
        "published": "2024-01-15",
        "on_sale": True,
        "in_stock": True,
        "url": "http://testserver/publications/patient-centred-leadership/",
    }


@pytest.mark.parametrize("term", ["978-1-909029-08-8", "9781909029088", "1-909029-08-4", "978 1 909029 08 8", "909029-08", "patient-centred", "REDISCOVERING"])
def test_search_finds_by_title_subtitle_or_isbn_in_any_format(api, seed, term):
    PublicationFactory(title="Something else entirely", subtitle="")

    response = api.get("/api/publications/", {"search": term})

    assert [item["isbn"] for item in response.data["results"]] == [SEED_ISBN]


def test_topic_filter_keeps_only_that_topic(api, seed):
    PublicationFactory(topics=[TopicFactory(slug="digital")])

    response = api.get("/api/publications/", {"topic": "leadership"})

    assert [item["isbn"] for item in response.data["results"]] == [SEED_ISBN]


def test_unknown_topic_is_a_400_with_a_field_message(api, seed):
    response = api.get("/api/publications/", {"topic": "no-such-topic"})

    assert response.status_code == 400
    assert "topic" in response.data


@pytest.mark.parametrize(
    "ordering, expected",
    [("price", ["6.00", "8.50", "12.00"]), ("-price", ["12.00", "8.50", "6.00"]), ("title", ["6.00", "12.00", "8.50"])],
)
def test_ordering_by_price_and_title(api, ordering, expected):
    PublicationFactory(title="B", price=Decimal("12.00"))
    PublicationFactory(title="C", price=Decimal("8.50"))
    PublicationFactory(title="A", price=Decimal("6.00"))

    response = api.get("/api/publications/", {"ordering": ordering})

    assert [item["price"] for item in response.data["results"]] == expected


def test_ordering_by_newest_first(api):
    from datetime import date

    PublicationFactory(title="Old", published=date(2015, 1, 1))
    PublicationFactory(title="New", published=date(2023, 1, 1))

    response = api.get("/api/publications/", {"ordering": "-published"})

    assert [item["title"] for item in response.data["results"]] == ["New", "Old"]


def test_unknown_ordering_is_a_400(api, seed):
    assert api.get("/api/publications/", {"ordering": "stock"}).status_code == 400


def test_list_is_paginated(api):
    PublicationFactory.create_batch(25)

    first = api.get("/api/publications/")
    second = api.get(first.data["next"])

    assert (first.data["count"], len(first.data["results"]), len(second.data["results"])) == (25, 20, 5)
    assert {i["isbn"] for i in first.data["results"]}.isdisjoint({i["isbn"] for i in second.data["results"]})


def test_list_query_count_does_not_grow_with_the_page(api, django_assert_max_num_queries):
    topics = [TopicFactory(), TopicFactory()]
    PublicationFactory.create_batch(20, topics=topics)

    with django_assert_max_num_queries(2):
        response = api.get("/api/publications/")
    assert len(response.data["results"]) == 20


@pytest.mark.parametrize("written", [SEED_ISBN, "978-1-909029-08-8", "978 1 909029 08 8", "1909029084", "1-909029-08-4"])
def test_detail_accepts_the_isbn_in_any_format(api, seed, written):
    response = api.get(f"/api/publications/{written}/")

    assert response.status_code == 200
    assert response.data["isbn"] == SEED_ISBN


def test_detail_shows_content_topics_authors_and_approved_comment_count(api, seed):
    CommentFactory.create_batch(2, publication=seed)
    CommentFactory(publication=seed, status=Comment.Status.PENDING)

    data = api.get(f"/api/publications/{SEED_ISBN}/").data

    assert data["key_findings"] == ["First finding.", "Second finding."]
    assert data["policy_implications"] == "What government should do."
    assert data["summary"] == "What we found and why it matters."
    assert data["topics"] == ["leadership"]
    assert data["authors"] == ["A. Author"]
    assert data["comment_count"] == 2


def test_detail_of_an_unknown_isbn_is_404(api, seed):
    response = api.get("/api/publications/9781909029095/")

    assert response.status_code == 404
    assert response.data["detail"] == "No publication has that ISBN."


@pytest.mark.parametrize(
    "written, reason",
    [
        ("978-1-909029-08-9", "The check digit is wrong"),
        ("97819090290", "An ISBN has 10 or 13 digits"),
        ("978190902908X", "An ISBN has only digits"),
    ],
)
def test_detail_of_an_invalid_isbn_is_404_saying_why(api, seed, written, reason):
    response = api.get(f"/api/publications/{written}/")

    assert response.status_code == 404
    assert reason in response.data["detail"]


def test_detail_query_count_is_fixed(api, seed, django_assert_max_num_queries):
    seed.topics.add(TopicFactory(), TopicFactory())
    CommentFactory.create_batch(5, publication=seed)

    with django_assert_max_num_queries(2):
        assert api.get(f"/api/publications/{SEED_ISBN}/").status_code == 200


def test_patch_needs_credentials(api, seed):
    response = api.patch(f"/api/publications/{SEED_ISBN}/", {"price": "9.00"}, format="json")

    assert response.status_code == 401


def test_patch_refuses_staff_without_the_change_permission(api, seed):
    api.force_authenticate(StaffFactory())

    response = api.patch(f"/api/publications/{SEED_ISBN}/", {"price": "9.00"}, format="json")

    assert response.status_code == 403
    seed.refresh_from_db()
    assert seed.price == Decimal("8.50")


def test_patch_with_a_token_changes_the_price_and_records_who(api, seed):
    manager = StaffFactory(permissions=["catalogue.change_publication"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")

    response = api.patch("/api/publications/978-1-909029-08-8/", {"price": "9.75", "on_sale": False}, format="json")

    assert response.status_code == 200
    assert (response.data["price"], response.data["on_sale"]) == ("9.75", False)
    change = PriceChange.objects.filter(publication=seed).first()
    assert (change.old_price, change.new_price, change.changed_by) == (Decimal("8.50"), Decimal("9.75"), manager)


def test_patch_cannot_change_isbn_or_stock(api, seed):
    api.force_authenticate(StaffFactory(permissions=["catalogue.change_publication"]))

    api.patch(f"/api/publications/{SEED_ISBN}/", {"isbn": "9781909029095", "stock": 999}, format="json")

    seed.refresh_from_db()
    assert (seed.isbn, seed.stock) == (SEED_ISBN, 20)


@pytest.mark.parametrize("price", ["-1.00", "abc", "1.234"])
def test_patch_with_a_bad_price_is_a_400_with_a_field_message(api, seed, price):
    api.force_authenticate(StaffFactory(permissions=["catalogue.change_publication"]))

    response = api.patch(f"/api/publications/{SEED_ISBN}/", {"price": price}, format="json")

    assert response.status_code == 400
    assert "price" in response.data


def test_stock_post_adds_goods_in(api, seed):
    clerk = StaffFactory(permissions=["catalogue.add_stockmovement"])
    api.force_authenticate(clerk)

    response = api.post(f"/api/publications/{SEED_ISBN}/stock/", {"delta": 100, "reason": "goods_in"}, format="json")

    assert response.status_code == 201
    assert response.data["stock_after"] == 120
    seed.refresh_from_db()
    assert seed.stock == 120
    assert seed.stock_movements.first().created_by == clerk


def test_stock_post_below_zero_is_a_409_with_what_is_available(api, seed):
    api.force_authenticate(StaffFactory(permissions=["catalogue.add_stockmovement"]))

    response = api.post(f"/api/publications/{SEED_ISBN}/stock/", {"delta": -21, "reason": "damaged"}, format="json")

    assert response.status_code == 409
    assert (response.data["code"], response.data["isbn"], response.data["available"]) == ("insufficient_stock", SEED_ISBN, 20)
    seed.refresh_from_db()
    assert seed.stock == 20


@pytest.mark.parametrize(
    "body, field",
    [({"delta": 5, "reason": "sale"}, "reason"), ({"delta": 5, "reason": "damaged"}, "delta"), ({"reason": "goods_in"}, "delta"), ({"delta": "x", "reason": "goods_in"}, "delta")],
)
def test_stock_post_with_bad_input_is_a_400_naming_the_field(api, seed, body, field):
    api.force_authenticate(StaffFactory(permissions=["catalogue.add_stockmovement"]))

    response = api.post(f"/api/publications/{SEED_ISBN}/stock/", body, format="json")

    assert response.status_code == 400
    assert field in response.data


@pytest.mark.parametrize("user_factory, status", [(None, 401), (lambda: UserFactory(), 403), (lambda: StaffFactory(), 403)])
def test_stock_post_needs_the_stock_permission(api, seed, user_factory, status):
    if user_factory:
        api.force_authenticate(user_factory())

    response = api.post(f"/api/publications/{SEED_ISBN}/stock/", {"delta": 5, "reason": "goods_in"}, format="json")

    assert response.status_code == status


def test_comments_list_shows_approved_comments_without_email(api, seed):
    CommentFactory(publication=seed, name="Dr Okafor", job_title="Medical Director", organisation="A Trust")
    CommentFactory(publication=seed, status=Comment.Status.PENDING)

    response = api.get(f"/api/publications/{SEED_ISBN}/comments/")

    assert response.data["count"] == 1
    comment = response.data["results"][0]
    assert set(comment) == {"number", "name", "job_title", "organisation", "body", "created"}
    assert (comment["name"], comment["job_title"], comment["organisation"]) == ("Dr Okafor", "Medical Director", "A Trust")


COMMENT = {"name": "A Reader", "email": "reader@example.org", "job_title": "Nurse", "organisation": "NHS", "body": "Useful."}


def test_posted_comment_waits_for_moderation(api, seed):
    response = api.post(f"/api/publications/{SEED_ISBN}/comments/", COMMENT, format="json")

    assert response.status_code == 201
    assert response.data["status"] == "pending"
    assert api.get(f"/api/publications/{SEED_ISBN}/comments/").data["count"] == 0
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_comment_with_the_honeypot_filled_is_dropped(api, seed):
    response = api.post(f"/api/publications/{SEED_ISBN}/comments/", {**COMMENT, "website": "http://spam"}, format="json")

    assert response.status_code == 201
    assert Comment.objects.count() == 0


def test_comment_without_name_email_or_body_is_a_400(api, seed):
    response = api.post(f"/api/publications/{SEED_ISBN}/comments/", {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert {"name", "email", "body"} <= set(response.data)


def test_comments_are_rate_limited_with_429_and_retry_after(api, seed, settings):
    settings.COMMENT_RATE = "2/m"

    answers = [api.post(f"/api/publications/{SEED_ISBN}/comments/", COMMENT, format="json") for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2]["Retry-After"] == "60"
    assert answers[2].data["code"] == "rate_limited"
    assert Comment.objects.count() == 2


def test_schema_documents_the_catalogue_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    assert {"/api/publications/", "/api/publications/{isbn}/", "/api/publications/{isbn}/comments/", "/api/publications/{isbn}/stock/"} <= set(paths)
    list_params = {p["name"] for p in paths["/api/publications/"]["get"]["parameters"]}
    assert {"search", "topic", "ordering", "page"} <= list_params
    assert api.get("/api/docs/").status_code == 200


def test_a_listed_publications_url_is_its_absolute_address_as_the_reader_asked_for_it(api):
    PublicationFactory(slug="patient-centred-leadership")

    listed = api.get("/api/publications/", secure=True)

    assert [item["url"] for item in listed.json()["results"]] == ["https://testserver/publications/patient-centred-leadership/"]
