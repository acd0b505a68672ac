"""Public catalogue reads are cached; every change a reader could see shows on the next read."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from catalogue import services
from catalogue.models import Comment
from tests.factories import (
    CommentFactory,
    PublicationFactory,
    StaffFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)  # invalidation happens on commit

ISBN = "9781909029088"


@pytest.fixture
def seed():
    return PublicationFactory(isbn=ISBN, price=Decimal("8.50"), stock=1)


def get(api, path):
    response = api.get(path)
    assert response.status_code == 200
    return response


def test_a_repeated_read_is_served_from_the_cache(api, seed):
    first = get(api, "/api/publications/")
    second = get(api, "/api/publications/")

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.json() == first.json()


def test_a_price_change_shows_on_the_next_read(api, seed):
    get(api, "/api/publications/")
    get(api, f"/api/publications/{ISBN}/")
    api.force_authenticate(StaffFactory(permissions=["catalogue.change_publication"]))
    api.patch(f"/api/publications/{ISBN}/", {"price": "9.99"}, format="json")
    api.force_authenticate(None)

    assert get(api, "/api/publications/").json()["results"][0]["price"] == "9.99"
    assert get(api, f"/api/publications/{ISBN}/").json()["price"] == "9.99"


def test_selling_the_last_copy_shows_out_of_stock_on_the_next_read(api, seed):
    assert get(api, f"/api/publications/{ISBN}/").json()["in_stock"] is True

    services.stock_adjust(publication=seed, delta=-1, reason="sale")

    assert get(api, f"/api/publications/{ISBN}/").json()["in_stock"] is False


def test_an_approved_comment_shows_on_the_next_read(api, seed):
    pending = CommentFactory(publication=seed, status=Comment.Status.PENDING, body="Now visible")
    assert get(api, f"/api/publications/{ISBN}/").json()["comment_count"] == 0
    assert get(api, f"/api/publications/{ISBN}/comments/").json()["count"] == 0

    services.comments_moderate(comments=Comment.objects.filter(pk=pending.pk), status=Comment.Status.APPROVED, by=None)

    assert get(api, f"/api/publications/{ISBN}/").json()["comment_count"] == 1
    assert get(api, f"/api/publications/{ISBN}/comments/").json()["results"][0]["body"] == "Now visible"


def test_a_topic_change_in_the_admin_shows_on_the_next_read(api, client, seed):
    topic = TopicFactory(name="Leadership", slug="leadership")
    seed.topics.add(topic)
    assert get(api, f"/api/publications/{ISBN}/").json()["topics"] == ["leadership"]
    client.force_login(StaffFactory(is_superuser=True))

    client.post(f"/admin/catalogue/topic/{topic.pk}/change/", {"name": "Leadership", "slug": "leading"})

    assert get(api, f"/api/publications/{ISBN}/").json()["topics"] == ["leading"]


def test_only_json_is_cached_not_the_browsable_api(api, seed):
    api.get("/api/publications/", HTTP_ACCEPT="text/html")
    html = api.get("/api/publications/", HTTP_ACCEPT="text/html")

    assert html["Content-Type"].startswith("text/html")
    assert html["X-Cache"] == "miss"


def test_a_change_made_by_another_process_shows_after_the_check_interval(api, seed, settings, monkeypatch):
    from django.core.cache import cache

    from catalogue import cache as catalogue_cache

    settings.CATALOGUE_VERSION_CHECK_SECONDS = 1
    clock = [catalogue_cache.time.monotonic()]
    monkeypatch.setattr(catalogue_cache.time, "monotonic", lambda: clock[0])
    get(api, f"/api/publications/{ISBN}/")
    # Another process changes the price and publishes a new version; this process has not looked yet.
    type(seed).objects.filter(pk=seed.pk).update(price=Decimal("11.00"))
    cache.set(catalogue_cache.VERSION_KEY, 12345, None)

    clock[0] += 0.5
    within = get(api, f"/api/publications/{ISBN}/")
    clock[0] += 0.6
    after = get(api, f"/api/publications/{ISBN}/")

    assert (within["X-Cache"], within.json()["price"]) == ("hit", "8.50")
    assert (after["X-Cache"], after.json()["price"]) == ("miss", "11.00")


def test_the_publication_page_shows_a_price_change_and_an_approved_comment_at_once(client, seed):
    page = f"/publications/{seed.slug}/"
    assert "Print copy: £8.50" in client.get(page).text
    pending = CommentFactory(publication=seed, status=Comment.Status.PENDING, body="Worth reading")

    seed.price = Decimal("9.40")
    services.publication_save(publication=seed)
    services.comments_moderate(comments=Comment.objects.filter(pk=pending.pk), status=Comment.Status.APPROVED, by=None)

    text = client.get(page).text
    assert "Print copy: £9.40" in text
    assert "Worth reading" in text and "Comments: 1" in text


def test_a_cached_publication_page_costs_no_query(client, seed, django_assert_num_queries):
    client.get(f"/publications/{seed.slug}/")

    with django_assert_num_queries(0):
        assert "Print copy: £8.50" in client.get(f"/publications/{seed.slug}/").text


def test_with_the_shared_cache_out_of_reach_the_catalogue_is_read_from_the_database(api, client, seed, redis_out_of_reach, settings):
    settings.CATALOGUE_VERSION_CHECK_SECONDS = 0
    first, second = get(api, "/api/publications/"), get(api, "/api/publications/")
    seed.price = Decimal("9.25")
    services.publication_save(publication=seed, by=StaffFactory())

    assert (first["X-Cache"], second["X-Cache"]) == ("bypass", "bypass")
    assert get(api, f"/api/publications/{ISBN}/").json()["price"] == "9.25"
    assert "£9.25" in client.get(f"/publications/{seed.slug}/").content.decode()


def test_a_restarted_shared_cache_starts_a_new_catalogue_version(api, seed, settings):
    from django.core.cache import cache

    from catalogue.cache import current_version

    settings.CATALOGUE_VERSION_CHECK_SECONDS = 0
    before = current_version()
    cache.clear()  # what a Redis restart does: every key gone

    assert current_version() not in (None, 0, before)


def test_a_page_from_the_cache_shows_each_reader_their_own_basket_and_csrf_token(seed):
    from django.test import Client

    browsing, buying = Client(), Client()
    page = f"/publications/{seed.slug}/"
    first = browsing.get(page)
    buying.post("/basket/add/", {"isbn": seed.isbn, "quantity": "2"})

    theirs, mine = buying.get(page), browsing.get(page)

    assert (first["X-Cache"], theirs["X-Cache"], mine["X-Cache"]) == ("miss", "hit", "hit")
    assert 'Basket <span class="basket-count">(1<span class="visually-hidden"> item</span>)' in theirs.text
    assert "basket-count" not in mine.text
    token = lambda response: BeautifulSoup(response.text, "html.parser").select_one("#buy-form [name=csrfmiddlewaretoken]")["value"]  # noqa: E731
    assert token(theirs) != token(mine) and "<!--hole" not in theirs.text + mine.text


def test_a_comment_with_errors_is_answered_on_a_page_of_its_own_not_kept(client, seed):
    page = f"/publications/{seed.slug}/"
    client.get(page)

    refused = client.post(f"{page}comments/", {"name": "", "email": "reader@example.com", "body": "Good"})
    again = client.get(page)

    assert refused.status_code == 400 and "Your comment was not posted" in refused.text
    assert again["X-Cache"] == "hit" and "Your comment was not posted" not in again.text


def test_a_kept_page_with_a_form_sets_the_csrf_cookie_and_one_without_does_not(seed):
    from django.test import Client

    for _ in range(2):  # rendered, then from the cache
        catalogue, publication = Client().get("/"), Client().get(f"/publications/{seed.slug}/")

    assert catalogue["X-Cache"] == publication["X-Cache"] == "hit"
    assert "csrftoken" not in catalogue.cookies and "csrftoken" in publication.cookies


def test_a_kept_read_costs_no_query_even_for_a_signed_in_reader_and_carries_the_security_headers(client, seed, django_assert_num_queries):
    client.force_login(StaffFactory())
    miss = client.get("/api/publications/", HTTP_ACCEPT="application/json")

    with django_assert_num_queries(0):  # not even the session and the user behind its cookie
        hit = client.get("/api/publications/", HTTP_ACCEPT="application/json")

    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit") and hit.json() == miss.json()
    for header in ("Content-Type", "Content-Length", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"):
        assert hit[header] == miss[header], header
    assert hit["Vary"] == "Accept"  # the same for every reader, whatever their cookies


def test_a_kept_read_asked_for_with_a_host_not_allowed_is_refused(api, seed):
    get(api, "/api/publications/")

    assert api.get("/api/publications/", HTTP_HOST="evil.example").status_code == 400
