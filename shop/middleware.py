"""Requests the shop refuses before any view sees them."""

from django.http import HttpResponseBadRequest, JsonResponse


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
