"""Pages and API answers cost a pinned number of queries, whatever they show: a publication with no
comments or fifty, three topics and four authors; the first page of the catalogue or the last.
Counted uncached (the cache only hides a page's cost)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Comment
from tests.factories import CommentFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db
PUBLICATION_PAGE, CATALOGUE_PAGE, API_LIST = 4, 3, 2
# On PostgreSQL the topics' slugs come as an array beside the row (catalogue.selectors).
API_DETAIL = 1 if connection.vendor == "postgresql" else 2


@pytest.fixture(autouse=True)
def uncached(settings):
    settings.CATALOGUE_CACHE_SECONDS = 0


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def bare_and_busy():
    bare = PublicationFactory(authors=[], topics=[])
    busy = PublicationFactory(authors=["A. One", "B. Two", "C. Three", "D. Four"], topics=[TopicFactory() for _ in range(3)])
    for _ in range(50):
        CommentFactory(publication=busy, status=Comment.Status.APPROVED)
    return bare, busy


def test_a_publication_page_costs_the_same_with_no_comments_and_with_fifty(client, bare_and_busy):
    bare, busy = bare_and_busy
    client.get(bare.get_absolute_url())  # the session and the catalogue's version, as for any visitor after the first

    counts = [queries(client, publication.get_absolute_url()) for publication in (bare, busy)]

    assert counts == [PUBLICATION_PAGE, PUBLICATION_PAGE], counts


def test_the_api_detail_costs_the_same_with_no_comments_and_with_fifty(api, bare_and_busy):
    counts = [queries(api, f"/api/publications/{publication.isbn}/") for publication in bare_and_busy]

    assert counts == [API_DETAIL, API_DETAIL], counts


def test_the_first_and_last_pages_of_the_catalogue_cost_the_same(client, api):
    topic = TopicFactory()
    for n in range(45):
        PublicationFactory(topics=[topic] if n % 2 else [], authors=["A. Writer"] * (n % 3))
    client.get("/")

    pages = [queries(client, f"/?page={n}") for n in (1, 3)]
    api_pages = [queries(api, f"/api/publications/?page={n}") for n in (1, 3)]

    assert pages == [CATALOGUE_PAGE, CATALOGUE_PAGE] and api_pages == [API_LIST, API_LIST], (pages, api_pages)


def test_a_long_list_is_counted_up_to_its_limit_and_says_more_than(client, api, settings):
    settings.LIST_COUNT_LIMIT = 30
    for _ in range(45):
        PublicationFactory()

    listed = api.get("/api/publications/").json()
    page = client.get("/").text
    with CaptureQueriesContext(connection) as captured:
        client.get("/?page=2")

    assert (listed["count"], listed["count_exact"]) == (30, False) and listed["next"]
    assert "More than 30 publications" in page and "Page 1 of 2" in page
    assert any("LIMIT 31" in query["sql"] for query in captured.captured_queries)  # counted only up to the limit


def test_a_short_list_is_counted_exactly(api):
    for _ in range(3):
        PublicationFactory()

    assert {key: api.get("/api/publications/").json()[key] for key in ("count", "count_exact")} == {"count": 3, "count_exact": True}


@pytest.mark.parametrize("url", ["/api/publications/?page={}", "/?page={}", "/api/publications/?ordering=price&page={}"])
def test_with_the_cache_on_the_last_page_costs_what_the_first_does_with_no_offset_or_count(client, api, settings, url):
    settings.CATALOGUE_CACHE_SECONDS = 300
    for _ in range(45):
        PublicationFactory()
    reader = api if url.startswith("/api/") else client
    reader.get(url.format(1))  # the list's order, read once for this version of the catalogue
    reader.get(url.format(2) + "&page_size=20")  # the frame these pages share (the HTML page)

    with CaptureQueriesContext(connection) as last:
        reader.get(url.format(3) + "&page_size=20")
    with CaptureQueriesContext(connection) as first:
        reader.get(url.format(1) + "&page_size=20&utm_source=newsletter")  # no filter: the same list

    assert len(first.captured_queries) == len(last.captured_queries) == 1, (first.captured_queries, last.captured_queries)
    assert not any("OFFSET" in q["sql"] or "COUNT(" in q["sql"] for q in first.captured_queries + last.captured_queries)


def test_a_new_publication_is_listed_at_once_and_counted_exactly(api, settings, django_capture_on_commit_callbacks):
    from catalogue import services

    settings.CATALOGUE_CACHE_SECONDS = 300
    for _ in range(21):
        PublicationFactory()
    before = api.get("/api/publications/?page=2").json()

    added = PublicationFactory.build(title="Just out", published=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_save(publication=added)
    after = api.get("/api/publications/?page=2").json()

    assert (before["count"], after["count"]) == (21, 22) and after["count_exact"]
    assert [p["title"] for p in after["results"]][-1] == "Just out"  # undated: last


@pytest.mark.parametrize(
    "url, queries",
    [("/api/publications/?search=paper&page={}", 2), ("/?search=paper&page={}", 3)],  # the page: and its form's topics
)
def test_a_search_reads_its_matches_once_ranked_then_its_page_by_id_with_no_offset_or_count(client, api, url, queries):
    for n in range(45):
        PublicationFactory(title=f"Working paper {n}")
    reader = api if url.startswith("/api/") else client
    reader.get(url.format(1))

    with CaptureQueriesContext(connection) as last:
        answer = reader.get(url.format(3) + "&page_size=20")

    assert answer.status_code == 200 and "Working paper" in answer.content.decode()
    assert len(last.captured_queries) == queries, last.captured_queries  # not first asking whether any match
    assert not any("OFFSET" in q["sql"] or "COUNT(" in q["sql"] for q in last.captured_queries), last.captured_queries


def test_a_search_with_more_matches_than_the_limit_says_more_than(api, settings):
    settings.LIST_COUNT_LIMIT = 30
    for n in range(45):
        PublicationFactory(title=f"Working paper {n}")

    found = api.get("/api/publications/", {"search": "paper", "page": 2}).json()

    assert (found["count"], found["count_exact"], len(found["results"])) == (30, False, 10) and not found["next"]
