"""Cached public catalogue reads, invalidated by a shared version number that the catalogue's writes bump.

Each process keeps the rendered answers in its own memory (the "local" cache: bounded,
no network on a hit) together with the version they were built under. The version lives in
the shared cache (Redis in production). A process re-reads it at most once every
CATALOGUE_VERSION_CHECK_SECONDS; the process that made a change sees it at once, other
processes within that interval. Prices charged never come from here: checkout reads the
database. A new version takes effect when the writing transaction commits, so no reader can
store pre-commit data under it. Entries also expire after CATALOGUE_CACHE_SECONDS, which
bounds staleness from a change made outside the services (a raw SQL fix, say).
"""

import hashlib
import threading
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse

from .models import Publication

VERSION_KEY = "catalogue:version"
STORED_HEADERS = ("Content-Type", "Vary", "Allow")


class _Version(threading.local):
    """This process's (thread's) view of the shared version and when it last looked."""

    value = None
    checked_at = float("-inf")


_version = _Version()


def current_version():
    now = time.monotonic()
    if now - _version.checked_at >= settings.CATALOGUE_VERSION_CHECK_SECONDS:
        version = cache.get(VERSION_KEY)
        if version is None:
            # A new or restarted cache has no version: start a fresh one (add: every process
            # agrees on one), so nothing cached under an older version can come back.
            cache.add(VERSION_KEY, time.time_ns(), None)
            version = cache.get(VERSION_KEY)
        _version.value = version  # still None: the shared cache is out of reach
        _version.checked_at = now
    return _version.value


def catalogue_changed() -> None:
    def publish():
        _version.value = time.time_ns()
        _version.checked_at = time.monotonic()
        cache.set(VERSION_KEY, _version.value, None)

    transaction.on_commit(publish)


def _stock_key(slug: str) -> str:
    return f"catalogue:stock:{current_version()}:{slug}"  # a new version (on sale or not) reads anew


def stock_on_page(slug: str) -> tuple[bool, int] | None:
    """Whether the publication is on sale and its copies in stock, for its page's notices (None:
    no such publication). Kept in this process's memory for CATALOGUE_VERSION_CHECK_SECONDS: a
    sale made by this process shows at once (stock_changed), one made by another within that
    interval, as a change to the catalogue does. Checkout never reads stock from here."""
    local = caches["local"]
    key = _stock_key(slug)
    facts = local.get(key)
    if facts is None:
        facts = Publication.objects.filter(slug=slug).order_by("pk").values_list("on_sale", "stock").first() or False
        if settings.CATALOGUE_CACHE_SECONDS and settings.CATALOGUE_VERSION_CHECK_SECONDS > 0:
            local.set(key, facts, settings.CATALOGUE_VERSION_CHECK_SECONDS)
    return facts or None


def stock_changed(slug: str) -> None:
    """Forget the stock read now and again once the change commits (a read in between would keep
    the old figure)."""
    forget = lambda: caches["local"].delete(_stock_key(slug))  # noqa: E731
    forget()
    transaction.on_commit(forget)


def _key(request) -> str:
    parts = [request.scheme, request.get_host(), request.META.get("HTTP_ACCEPT", ""), request.get_full_path()]
    return "catalogue:read:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_read(view):
    """Keep a view's successful JSON GET answers in this process's memory for the current
    catalogue version; CachedReads (in MIDDLEWARE, for the views under its PREFIX) answers from
    them, so a kept answer is looked up once, before the view is reached.

    Only JSON is kept: the browsable API's HTML differs per user. Answers carry `X-Cache: miss`,
    `hit` (from CachedReads) or `bypass` while the shared cache is out of reach."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET":
            return view(request, *args, **kwargs)
        version = current_version()
        if version is None:  # no shared version to trust: answer from the database
            response = view(request, *args, **kwargs)
            response["X-Cache"] = "bypass"
            return response
        response = view(request, *args, **kwargs)  # CachedReads, before the session, answered what was kept
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if response.status_code == 200 and response.get("Content-Type", "").startswith("application/json"):
            headers = {name: response[name] for name in STORED_HEADERS if name in response}
            caches["local"].set(_key(request), (version, headers, response.content), settings.CATALOGUE_CACHE_SECONDS)
        response["X-Cache"] = "miss"
        return response

    return wrapper


def _kept(request, version) -> HttpResponse | None:
    stored = caches["local"].get(_key(request))
    if stored is None or stored[0] != version:
        return None
    _, headers, content = stored
    response = HttpResponse(content, headers=headers)
    response["Content-Length"] = str(len(content))  # as CommonMiddleware gives a miss
    response["X-Cache"] = "hit"
    return response


class CachedReads:
    """Answers a catalogue read that cached_read kept before the rest of the stack works out
    who is asking (session, user, second factor, messages) and which view the URL names: a kept
    answer is the same for every reader, and those steps cost a hit more than the answer did.
    It sits after the middleware that sets the security headers (SecurityMiddleware, CSP,
    X-Frame-Options), so a hit carries them as a miss does, and it asks the host name of
    ALLOWED_HOSTS as CommonMiddleware would (a wrong one is a 400)."""

    PREFIX = "/api/publications/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and request.path_info.startswith(self.PREFIX):
            version = current_version()
            if version is not None and (kept := _kept(request, version)) is not None:
                return kept
        return self.get_response(request)
