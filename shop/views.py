"""Project-wide views: the health check, and the answer when something broke."""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.core.files.storage import FileSystemStorage, storages
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.static import serve

from . import monitoring
from .celery import app as celery_app

log = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=3)
        return True
    except Exception:
        return False


@never_cache
def healthz(request):
    """This host can serve (database and broker reachable): 200, else 503 naming what is down.
    Beat is reported too ("stale" or "missing" makes the status "degraded"), but it is not this
    host's health: a load balancer probing /healthz must not take every web host out because
    beat stopped. Monitors look for "ok"."""
    body = {
        "database": "ok" if _database_ok() else "unreachable",
        "broker": "ok" if _broker_ok() else "unreachable",
        "beat": monitoring.beat_state(),
    }
    serving = body["database"] == body["broker"] == "ok"
    status = "ok" if serving and body["beat"] == "ok" else ("degraded" if serving else "unavailable")
    return JsonResponse({"status": status, **body}, status=200 if serving else 503)


def server_error(request):
    """handler500. The database restarting or out of reach (PostgreSQL failing over, SQLite busy
    past its timeout) is a 503 with Retry-After: the request's transaction was rolled back, so
    trying again is safe. Anything else is a 500; the API answers in JSON either way."""
    error = sys.exc_info()[1]
    api = request.path.startswith("/api/")
    if isinstance(error, (OperationalError, InterfaceError)):
        log.warning("Database unavailable for %s %s: %s", request.method, request.path, error)
        body = {"code": "database_unavailable", "detail": "The shop is busy for a moment; nothing was changed. Try again."}
        page = loader.render_to_string("shop/unavailable.html")  # no request: its context needs the database
        response = JsonResponse(body, status=503) if api else HttpResponse(page, status=503)
        response["Retry-After"] = "5"
        return response
    body = {"code": "server_error", "detail": "Something went wrong on our side."}
    return JsonResponse(body, status=500) if api else HttpResponse(loader.render_to_string("shop/server_error.html"), status=500)


def media(request, path):
    """A cover kept on this host's disk: Django's static file view, which refuses paths outside
    MEDIA_ROOT and answers If-Modified-Since. With an object store (S3_BUCKET), covers are
    served from there and nothing is here."""
    if not isinstance(storages["default"], FileSystemStorage):
        raise Http404("Files are in the object store.")
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def permission_denied(request, exception=None):
    """A 403 inside the admin's frame for staff who were signed in and lack a permission (a
    "Created by" link, a report outside their group); Django's plain page anywhere else."""
    from django.contrib import admin
    from django.template.response import TemplateResponse
    from django.views import defaults

    if request.path.startswith("/admin/") and getattr(request.user, "is_staff", False):
        message = str(exception) if exception and str(exception) else ""
        context = {**admin.site.each_context(request), "title": "Not allowed", "exception": message}
        return TemplateResponse(request, "admin/403.html", context, status=403).render()
    return defaults.permission_denied(request, exception)


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page says: the shop's icon (its hashed static name,
    looked up when asked, after collectstatic), not a 404."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("shop/favicon.svg"))
