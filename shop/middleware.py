"""Requests the shop refuses before any view sees them; the order a request is about, for the logs."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, JsonResponse

from . import logs


class RejectNullCharacters:
    """A NUL character in the path, the query string or a form field is never meaningful here, and
    PostgreSQL can neither store nor compare text with one: answer 400 rather than let it reach a
    lookup or a column."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = [request.GET]
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            fields.append(request.POST)  # form fields too (JSON bodies are the API parser's business)
        if "\x00" in request.path or any(self._has_null(query) for query in fields):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid_characters", "detail": "Null characters are not allowed."}, status=400)
            return HttpResponseBadRequest("Null characters are not allowed.")
        return self.get_response(request)

    @staticmethod
    def _has_null(query) -> bool:
        return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


class OrderLogContext:
    """Log records made while serving an order's URL (its status page, its API, its payment)
    carry its number; nothing carries over to the next request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            logs.clear_order()

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_kwargs.get("number"):
            logs.set_order(view_kwargs["number"])


class StaffSessionTimeout:
    """A staff session unused for ADMIN_IDLE_MINUTES ends: the next request is signed out, and
    the admin asks for the password (and second factor) again."""

    KEY = "staff_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = time.time()
            last_seen = request.session.get(self.KEY, now)
            if now - last_seen > settings.ADMIN_IDLE_MINUTES * 60:
                logout(request)
                if request.path.startswith("/admin/"):
                    return redirect_to_login(request.get_full_path(), "admin:login")
            else:
                request.session[self.KEY] = now
        return self.get_response(request)
