"""The content security policy (django-csp's CONTENT_SECURITY_POLICY), built once from the settings.

Only the shop's own scripts, styles, images and forms, nothing inline, plus what Stripe.js needs:
its script, the API it calls and the frames it opens (card fields, 3-D Secure). Those come from
STRIPE_JS_URL and STRIPE_API_BASE: Stripe itself in production, localstripe on a laptop. Covers
may come from the object store that holds them (MEDIA_ORIGIN, from the storage settings).

The policy is for the shop's HTML pages, the admin and the API docs (Swagger UI from the shop's
own static files). The JSON API is left out: its answers are never rendered as a page, and
building the header cost ~50 µs on every one, a fifth of a cached catalogue read.
"""

from urllib.parse import urlsplit

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
