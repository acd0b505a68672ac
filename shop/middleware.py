"""Requests the shop refuses before any view sees them; the order a request is about, for the logs."""

from django.http import HttpResponseBadRequest, JsonResponse

from . import logs


class RejectNullCharacters:
    """A NUL character in the path or query string is never meaningful here, and PostgreSQL cannot
    compare text with one: answer 400 rather than let it reach a lookup."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = (value for _, values in request.GET.lists() for value in values)  # every value of a repeated key
        if "\x00" in request.path or any("\x00" in key for key in request.GET) or any("\x00" in v for v in values):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid_characters", "detail": "Null characters are not allowed."}, status=400)
            return HttpResponseBadRequest("Null characters are not allowed.")
        return self.get_response(request)


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
