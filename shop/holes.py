"""Pages rendered once and served many times, with holes for what differs per reader.

A reader's page is the same for everyone but for a few small parts: the CSRF token, the basket
count, the messages, a stock notice. Such a page is rendered with a marker where each of those
parts goes, cut at the markers, and kept (in this process's memory, under the catalogue's
version, like every cached catalogue read: catalogue.cache). A request then fills the holes,
which costs a join of a few strings, not a template render; so a reader with a basket or a
message is served from the same entry as everyone else.

A template writes `{{ holes.NAME }}` where a hole goes; base.html renders its own parts as
usual when a page has no holes. Markers are HTML comments: escaped text (a comment's body, a
title) can never contain one.
"""

import re
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from orders.basket import Basket

_MARKER = "<!--hole:{}-->"
_CUT = re.compile(r"<!--hole:(\w+)-->")


class _Markers(dict):
    """`holes` as templates see it while rendering: a marker for any hole a template names."""

    def __missing__(self, name):
        return mark_safe(_MARKER.format(name))

    def __bool__(self):
        return True  # `{% if holes %}`: this page has holes


def cut(rendered: str) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """The page's fixed pieces (encoded once) and the holes between them, in order."""
    parts = _CUT.split(rendered)
    return tuple(part.encode() for part in parts[0::2]), tuple(parts[1::2])


def fill(pieces: tuple[bytes, ...], holes: tuple[str, ...], values: dict[str, str]) -> bytes:
    out = [pieces[0]]
    for name, piece in zip(holes, pieces[1:]):
        out.append(values[name].encode())
        out.append(piece)
    return b"".join(out)


def reader_parts(request, holes: tuple[str, ...]) -> dict[str, str]:
    """What base.html shows differently to each reader, as HTML: the basket count, the messages
    (`_messages` holds them, for a page that places some elsewhere) and, if the page has a form
    (a `csrf_token` hole), its CSRF token: a page without one sets no CSRF cookie."""
    basket = Basket(request.session).count if hasattr(request, "session") else 0
    shown = list(get_messages(request))
    return {
        "csrf_token": get_token(request) if "csrf_token" in holes else "",
        "basket": render_to_string("shop/_basket_count.html", {"basket_count": basket}) if basket else "",
        "messages": render_to_string("shop/_messages.html", {"messages": shown}) if shown else "",
        "_messages": shown,
    }


def render(request, template: str, context: dict) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """The page `template` renders from `context`, cut at its holes."""
    markers = _Markers()
    return cut(render_to_string(template, {**context, "holes": markers, "csrf_token": markers["csrf_token"]}, request))


def settle(stored, values: dict[str, str]):
    """The page with these holes filled for good (a part the same for every reader of this
    address, rendered apart from the rest of the page); the reader's holes stay."""
    pieces, holes = stored
    settled, left = [pieces[0]], []
    for name, piece in zip(holes, pieces[1:]):
        if name in values:
            settled[-1] += values[name].encode() + piece
        else:
            settled.append(piece)
            left.append(name)
    return tuple(settled), tuple(left)


def kept(key: str | None, seconds: int, build: Callable[[], tuple]) -> tuple[tuple, bool]:
    """What `build` makes, from the local cache under `key` if it is there (and whether it was);
    None or no seconds: built each time."""
    stored = caches["local"].get(key) if key and seconds else None
    if stored is not None:
        return stored, True
    stored = build()
    if key and seconds:
        caches["local"].set(key, stored, seconds)
    return stored, False


def respond(request, stored, *, holes: Callable[[dict], dict[str, str]] = lambda parts: {}, hit: bool, status: int = 200) -> HttpResponse:
    """The page with its holes filled with the reader's parts and `holes(parts)`: the page's
    own (each a string of HTML, given what reader_parts found)."""
    parts = reader_parts(request, stored[1])
    response = HttpResponse(fill(*stored, {**parts, **holes(parts)}), status=status)
    response["X-Cache"] = "hit" if hit else "miss"
    return response


def page(
    request,
    template: str,
    context: dict | Callable[[], dict],
    *,
    key: str | None,
    seconds: int,
    holes: Callable[[dict], dict[str, str]] = lambda parts: {},
    status: int = 200,
) -> HttpResponse:
    """The page `template` renders from `context` (or what it returns: work done only when the
    page is rendered), kept under `key` (None: not kept), its holes filled for this reader."""
    stored, hit = kept(key, seconds, lambda: render(request, template, context() if callable(context) else context))
    return respond(request, stored, holes=holes, hit=hit, status=status)
