"""The content security policy (django-csp's CONTENT_SECURITY_POLICY), built once from the settings.

Only the shop's own scripts, styles, images and forms, nothing inline, plus what Stripe.js needs:
its script, the API it calls and the frames it opens (card fields, 3-D Secure). Those come from
STRIPE_JS_URL and STRIPE_API_BASE: Stripe itself in production, localstripe on a laptop. Covers
may come from the object store that holds them (MEDIA_ORIGIN, from the storage settings).

The policy is for the shop's HTML pages, the admin and the API docs (Swagger UI from the shop's
own static files). The JSON API is left out: its answers are never rendered as a page, and
CSPMiddleware (below) builds nothing for them, and the pages' policy once.
"""

from functools import cache
from urllib.parse import urlsplit

from csp import middleware
from csp.constants import HEADER
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

SELF, NONE = "'self'", "'none'"
# The API's JSON answers go without the header; /api/docs/ (Swagger UI, the shop's own copy) has it.
# A prefix missing here only means a policy on JSON, which does no harm.
JSON_ONLY = [
    "/api/schema/", "/api/publications/", "/api/orders/", "/api/delivery-methods/", "/api/payments/",
    "/api/fulfilment/", "/api/reports/",
]  # fmt: skip


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stripe_js_sources(stripe_js_url: str, stripe_api_base: str) -> dict[str, list[str]]:
    script, api = _origin(stripe_js_url), _origin(stripe_api_base)
    if script == "https://js.stripe.com":  # Stripe's published CSP guidance
        return {
            "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
            "connect-src": ["https://api.stripe.com"],
            "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
        }
    return {"script-src": [script], "connect-src": sorted({script, api}), "frame-src": sorted({script, api})}


def content_security_policy(*, stripe_js_url: str, stripe_api_base: str, media_origin: str = "") -> dict:
    directives = {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"] + ([_origin(media_origin)] if media_origin else []),
        "connect-src": [SELF],
        "frame-src": [],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
    for directive, sources in stripe_js_sources(stripe_js_url, stripe_api_base).items():
        directives[directive] = directives[directive] + sources
    return {"EXCLUDE_URL_PREFIXES": JSON_ONLY, "DIRECTIVES": directives}


# What a response may carry to ask for a policy of its own (django-csp's decorators).
_OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")


class CSPMiddleware(middleware.CSPMiddleware):
    """django-csp's middleware, which builds both policies (enforced and report-only) from the
    settings for every response, ~25 µs, even for one under EXCLUDE_URL_PREFIXES that gets no
    header. Here a JSON answer (JSON_ONLY) is left alone, and a page that asks for nothing of
    its own (no nonce, none of django-csp's decorators) gets the policy built once per settings.
    Anything else, and any policy with a report-only one beside it, is django-csp's to answer."""

    def process_response(self, request, response):
        policy, excluded = _policy()
        if (
            policy is None or getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, name) for name in _OWN_POLICY)
            or (settings.DEBUG and response.status_code in (404, 500))  # Django's debug pages: django-csp leaves them be
        ):  # fmt: skip
            return super().process_response(request, response)
        if not request.path_info.startswith(excluded) and HEADER not in response:
            response[HEADER] = policy
        request.csp_nonce = middleware.CheckableLazyObject(self._csp_nonce_post_response)  # as django-csp guards it
        return response


@cache
def _policy() -> tuple[str | None, tuple[str, ...]]:
    """The policy's header and the paths that go without it; None when there is no policy to
    build once (none at all, or a report-only one too)."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
    if not policy or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None):
        return None, ()
    return build_policy(), tuple(policy.get("EXCLUDE_URL_PREFIXES") or ())


@receiver(setting_changed)
def _forget_policy(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()
