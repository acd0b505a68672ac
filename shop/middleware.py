"""Requests the shop refuses before any view sees them, and the content security policy of its answers."""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings
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


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) plus the origins Stripe.js needs,
    read from the settings on each response: Stripe itself in production, localstripe on a laptop."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if parts.update is None and parts.replace is None:
            parts.update = stripe_js_sources()
        return parts


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stripe_js_sources() -> dict:
    """Stripe.js's script, the API it calls and the frames it opens (card fields, 3-D Secure)."""
    script, api = _origin(settings.STRIPE_JS_URL), _origin(settings.STRIPE_API_BASE)
    if script == "https://js.stripe.com":  # Stripe's published CSP guidance
        return {
            "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
            "connect-src": ["https://api.stripe.com"],
            "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
        }
    return {"script-src": [script], "connect-src": sorted({script, api}), "frame-src": sorted({script, api})}
