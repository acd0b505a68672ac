"""Reader pages: the catalogue and a publication's page with its comments."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from shop import holes as shop_holes
from shop.ratelimits import limit

from . import listing, selectors, services
from .cache import current_version, stock_on_page
from .filters import PublicationFilter, list_key, search_alone
from .forms import CommentForm
from .models import Topic

COMMENT_MESSAGE = "comment-form"  # the tag of the comment form's own messages
ONLY_LEFT = '<p class="stock-notice">Only {} left</p>'


def catalogue(request):
    """Any page of the list. Kept per address for this version of the catalogue (the reader's
    parts are holes); a page not kept yet takes the frame kept for its filters (every page of a
    list shares it) and renders only its own list of publications, by position (listing)."""
    version = current_version()
    seconds = settings.CATALOGUE_CACHE_SECONDS if version is not None else 0
    filters = request.GET.copy()
    filters.pop("page", None)
    filterset = SimpleLazyObject(lambda: PublicationFilter(request.GET, queryset=selectors.publication_list()))

    def frame():
        context = {"filter": filterset, "topics": Topic.objects.all(), "search": request.GET.get("search", "")}
        return shop_holes.render(request, "catalogue/catalogue.html", context)

    def this_page():
        search = search_alone(request.GET)
        if not list_key(request.GET) or search is not None:  # no filter set to build (it copies every filter)
            publications = selectors.publication_list()
        else:
            publications = filterset.qs if filterset.is_valid() else selectors.publication_list().none()
        listed = render_to_string("catalogue/_listing.html", {
            "page": listing.paginator(publications, 20, list_key="page:" + list_key(request.GET), search=search).get_page(request.GET.get("page")),
            "search": request.GET.get("search", ""), "querystring": filters.urlencode(),
        })  # fmt: skip
        return shop_holes.settle(shop_holes.kept(_key("list-frame", version, list_key(request.GET)), seconds, frame)[0], {"listing": listed})

    stored, hit = shop_holes.kept(_key("list-page", version, request.get_full_path()), seconds, this_page)
    return shop_holes.respond(request, stored, hit=hit)


def _key(kind: str, version, address: str) -> str:
    return f"catalogue:{kind}:" + hashlib.sha256(f"{version}\n{address}".encode()).hexdigest()


def _publication_page(request, slug, form=None, status=200):
    """The page from the cache when it holds one for this version of the catalogue, its holes
    filled for this reader; the stock notice from a moment-old read of the stock. A comment form
    with errors (`form`) is this reader's alone: that page is rendered and not kept."""
    facts = stock_on_page(slug)
    if facts is None:
        raise Http404("No publication has that address.")
    on_sale, stock = facts
    version = current_version()

    def holes(parts):
        # What the comment form said goes beside the form, where the reader is; the rest at the top.
        shown = parts["_messages"]
        beside = [m for m in shown if COMMENT_MESSAGE in m.extra_tags.split()]
        above = [m for m in shown if m not in beside]
        return {
            "only_left": format_html(ONLY_LEFT, stock) if on_sale and 0 < stock <= settings.ONLY_N_LEFT else "",
            "messages": render_to_string("shop/_messages.html", {"messages": above}) if above else "",
            "comment_messages": render_to_string("catalogue/_comment_messages.html", {"messages": beside}) if beside else "",
        }

    context = {
        "max_copies": settings.ORDER_MAX_COPIES,
        # Loaded only when the page is rendered, not when it comes from the cache.
        "details": SimpleLazyObject(lambda: selectors.publication_detail().get(slug=slug)),
        "comments": SimpleLazyObject(lambda: selectors.comments_approved_by_slug(slug)),
        "form": form or SimpleLazyObject(CommentForm),
    }
    key = None if form is not None or version is None else f"catalogue:page:{version}:{slug}"
    return shop_holes.page(
        request, "catalogue/publication.html", context, key=key, seconds=settings.CATALOGUE_CACHE_SECONDS, holes=holes, status=status
    )


def publication(request, slug):
    return _publication_page(request, slug)


@require_POST
@limit("COMMENT_RATE", group="comments")  # one count with the API's
def publication_comment(request, slug):
    publication = get_object_or_404(selectors.publication_list(), slug=slug)
    form = CommentForm(request.POST)
    if not form.is_valid():
        form.focus_first_error()
        return _publication_page(request, slug, form, status=400)
    if not form.is_spam():
        data = {field: form.cleaned_data[field] for field in CommentForm.Meta.fields}
        services.comment_submit(publication=publication, ip_address=request.META.get("REMOTE_ADDR"), **data)
    messages.success(
        request, "Thank you. Your comment is awaiting moderation and will appear once approved.", extra_tags=COMMENT_MESSAGE
    )
    return redirect(f"{publication.get_absolute_url()}#add-comment")
