"""Reader pages: the catalogue and a publication's page with its comments."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from shop.pagination import BoundedPaginator
from shop.ratelimits import limit

from . import selectors, services
from .cache import current_version
from .filters import PublicationFilter
from .forms import CommentForm
from .models import Topic

COMMENT_MESSAGE = "comment-form"  # the tag of the comment form's own messages


def catalogue(request):
    filterset = PublicationFilter(request.GET, queryset=selectors.publication_list())
    publications = filterset.qs if filterset.is_valid() else selectors.publication_list().none()
    page = BoundedPaginator(publications, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogue/catalogue.html",
        {
            "page": page,
            "filter": filterset,
            "topics": Topic.objects.all(),
            "search": request.GET.get("search", ""),
            "querystring": query.urlencode(),
        },
    )


def _publication_page(request, slug, form, status=200):
    publication = get_object_or_404(selectors.publication_list().only("id", "slug", "title", "on_sale", "stock"), slug=slug)
    version = current_version()
    context = {
        "publication": publication,
        # Outside the cached body, so that a sale changes it without emptying the page cache.
        "only_left": publication.stock if publication.on_sale and 0 < publication.stock <= settings.ONLY_N_LEFT else None,
        "max_copies": settings.ORDER_MAX_COPIES,
        # The page's body is cached per catalogue version; these load only when it is rendered.
        "details": SimpleLazyObject(lambda: selectors.publication_detail().get(pk=publication.pk)),
        "comments": selectors.comments_approved(publication),
        "catalogue_version": version,
        "cache_seconds": settings.CATALOGUE_CACHE_SECONDS if version is not None else 0,  # no shared version: no cache
        "form": form,
    }
    # What the comment form said goes beside the form, where the reader is; the rest at the top.
    shown = list(messages.get_messages(request))
    context["comment_messages"] = [m for m in shown if COMMENT_MESSAGE in m.extra_tags.split()]
    context["page_messages"] = [m for m in shown if m not in context["comment_messages"]]
    return render(request, "catalogue/publication.html", context, status=status)


def publication(request, slug):
    return _publication_page(request, slug, CommentForm())


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
