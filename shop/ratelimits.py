"""Rate limits (django-ratelimit, per client IP) and the 429 answer they share."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django_ratelimit.core import _split_rate
from django_ratelimit.decorators import ratelimit

RATE_LIMITED_DETAIL = "Too many requests; please wait before trying again."


def limit(rate_setting: str, method: str = "POST", group: str | None = None, key="ip", applies=None):
    """Limit a view to `settings.<rate_setting>` requests ("5/10m") per client IP (or per what
    `key` names, in django-ratelimit's terms); views with the same `group` share one count.
    With `applies`, only requests for which applies(request) holds are counted.

    The rate is read per request, so tests and operators can change it, and remembered on
    the request so that the 429 can say how long to wait."""

    def rate(group, request):
        if applies is not None and not applies(request):
            return None  # django-ratelimit: no limit for this request
        request.rate_limit = getattr(settings, rate_setting)
        return request.rate_limit

    return ratelimit(group=group, key=key, rate=rate, method=method, block=True)


def retry_after_seconds(request) -> int:
    """The limit's whole window: an upper bound on how long until a request is let through."""
    return _split_rate(request.rate_limit)[1]


def rate_limited_response(request, exception=None):
    """RATELIMIT_VIEW: the answer to a page request that went over its limit."""
    seconds = retry_after_seconds(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "rate_limited", "detail": RATE_LIMITED_DETAIL}, status=429)
    else:
        response = render(request, "shop/rate_limited.html", {"retry_after": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response
