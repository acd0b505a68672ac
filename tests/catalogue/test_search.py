"""Search as readers use it, over the demo catalogue with the publisher's real page imported:
the API, the catalogue page and the admin share one search (catalogue.selectors)."""

import pytest
from django.core.management import call_command

from catalogue.models import Publication
from tests.factories import PublicationFactory
from tests.seeds import SEED, needs_seed

pytestmark = [pytest.mark.django_db, needs_seed]
SEED_ISBN = "9781909029088"


@pytest.fixture
def catalogue():
    call_command("load_demo_catalogue", verbosity=0)
    call_command("import_pages", str(SEED), verbosity=0)


def search(api, term, **params):
    answer = api.get("/api/publications/", {"search": term, **params})
    assert answer.status_code == 200, answer.content
    return [item["isbn"] for item in answer.json()["results"]]


@pytest.mark.parametrize("term", ["patient centred", "leadership purpose", "Patient-Centred LEADERSHIP"])
def test_the_publishers_page_comes_first_for(api, catalogue, term):
    assert search(api, term)[0] == SEED_ISBN


@pytest.mark.parametrize("term", ["9781909029088", "978-1-909029-08-8", "1-909029-08-4", "978 1 909029 08 8"])
def test_its_isbn_in_any_format_finds_only_the_publishers_page(api, catalogue, term):
    assert search(api, term) == [SEED_ISBN]


def test_a_run_of_the_isbns_digits_finds_it_among_others(api, catalogue):
    assert SEED_ISBN in search(api, "909029", page_size=100) and search(api, "02908") == [SEED_ISBN]


def test_every_word_must_be_found_somewhere(api, catalogue):
    assert search(api, "leadership purpose") == [SEED_ISBN]  # "Leadership in today's NHS" lacks a purpose
    assert len(search(api, "leadership")) > 1


def test_words_of_the_summary_key_findings_and_authors_are_searched(api, catalogue):
    report = PublicationFactory(
        title="A plain title", subtitle="", summary="Hospital discharge delays in winter.",
        key_findings=["Ambulance handovers took hours."], authors=["Ngozi Adeyemi"],
    )  # fmt: skip

    for term in ("discharge delays", "ambulance handovers", "Adeyemi"):
        assert search(api, term) == [report.isbn], term


def test_a_title_match_ranks_above_a_match_in_the_summary(api, catalogue):
    in_summary = PublicationFactory(title="Annual review", subtitle="", summary="Our work on workforce planning this year.")
    in_title = PublicationFactory(title="Workforce planning", subtitle="", summary="A guide.")

    found = search(api, "workforce planning")

    assert found.index(in_title.isbn) < found.index(in_summary.isbn)


def test_nothing_found_is_an_empty_page_not_an_error(api, catalogue):
    for term in ("zzqxv", "!!!", "%", "_"):
        assert search(api, term) == [], term


def test_a_chosen_order_overrides_the_ranking(api, catalogue):
    found = search(api, "leadership", ordering="price")

    prices = list(Publication.objects.filter(isbn__in=found).in_bulk(field_name="isbn").values())
    assert len(found) > 1 and found == [p.isbn for p in sorted(prices, key=lambda p: (p.price, p.title))]


def test_the_catalogue_page_finds_what_the_api_finds(api, client, catalogue):
    page = client.get("/", {"search": "patient centred"})

    titles = [publication.title for publication in page.context["page"]]
    assert titles == [Publication.objects.get(isbn=isbn).title for isbn in search(api, "patient centred")][: len(titles)]


@pytest.mark.postgres
def test_a_typo_in_a_title_word_still_finds_it_on_postgresql(api, catalogue):
    assert search(api, "pateint")[0] == SEED_ISBN
    assert search(api, "leadreship")[0] in {SEED_ISBN, Publication.objects.get(title="Leadership in today's NHS").isbn}


@pytest.mark.postgres
def test_only_words_too_common_to_search_find_nothing_on_postgresql(api, catalogue):
    assert search(api, "the") == [] and search(api, "of and the") == []


@pytest.mark.postgres
def test_words_are_stemmed_on_postgresql(api, catalogue):
    assert SEED_ISBN in search(api, "rediscover purposes")


@pytest.mark.postgres
def test_the_search_indexes_take_a_new_publication_at_once_not_into_a_list_every_search_scans():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN ('publication_search', 'publication_title_trigram', 'publication_isbn_trigram')"
        )
        options = dict(cursor.fetchall())

    assert options == dict.fromkeys(["publication_search", "publication_title_trigram", "publication_isbn_trigram"], ["fastupdate=off"])


@pytest.mark.parametrize(
    "term", ["patient centred", "leadership", "pateint", "the", "9781909029088", "909029", "0 8", "  ", "zzzz"]
)
def test_a_search_alone_finds_what_the_search_filter_finds_in_the_same_order(catalogue, term):
    from catalogue import selectors

    filtered = selectors.in_stable_order(selectors.publication_search(Publication.objects.all(), term))

    assert selectors.search_ids(term, 50) == list(filtered.values_list("pk", flat=True)[:50])
