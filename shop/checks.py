"""System checks that keep the shop from running in production on a secret anyone can read.

A secret is published when it is empty, a development default of settings.py, a placeholder of
.env.example or the README, or a value localstripe and the test suite use: anyone holding it can
sign a `payment_intent.succeeded` for their own unpaid order, or a warehouse dispatch report.
These are deploy checks (`check --deploy`), and the WSGI application (so gunicorn and any other
server), the Celery worker and beat run them before they start whenever DEBUG is off
(shop/startup.py). Build steps such as collectstatic
run no deploy checks, so an image builds without secrets. Stripe's own test-mode keys
(`sk_test_…`, `pk_test_…`) stay allowed, for a staging site.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Every value of these settings that is written down somewhere public: settings.py's defaults,
# the test suite's and localstripe's (it accepts any key; these are the ones this project uses
# with it), and the README's examples. .env.example's placeholders all say "change-me".
PUBLISHED = {
    "SECRET_KEY": {"development-only-secret-key-do-not-use-in-production"},
    "STRIPE_SECRET_KEY": {"sk_test_localstripe", "sk_test_print_shop"},
    "STRIPE_PUBLISHABLE_KEY": {"pk_test_localstripe", "pk_test_print_shop"},
    "STRIPE_WEBHOOK_SECRET": {"whsec_localstripe", "whsec_test_print_shop"},
    "FULFILMENT_SECRET": {"development-fulfilment-secret", "warehouse-test-secret"},
}
RANDOM = "a long random value (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
# What each protects, and where the real value comes from.
PROTECTS = {
    "SECRET_KEY": ("anyone who knows it can forge sessions and signed links", RANDOM),
    "STRIPE_SECRET_KEY": ("payments would go to an emulator, or to someone else's account", "the secret key from Stripe's dashboard (API keys)"),
    "STRIPE_PUBLISHABLE_KEY": ("readers' cards would go to an emulator, or to someone else's account", "the publishable key from Stripe's dashboard (API keys)"),
    "STRIPE_WEBHOOK_SECRET": (
        "anyone who knows it can sign a payment_intent.succeeded and have an unpaid order marked paid",
        "the webhook endpoint's signing secret from Stripe's dashboard",
    ),
    "FULFILMENT_SECRET": ("anyone who knows it can forge the warehouse's dispatch reports", RANDOM + ", shared with the warehouse"),
}
PLACEHOLDER_MARKS = ("change-me", "…")


def published_reason(name: str, value: str) -> str:
    """Why `value` may not serve as `name` in production, or "" if it may."""
    if not value.strip():
        return "is empty"
    if value in PUBLISHED[name]:
        return "is a published value (a development default, localstripe's or the README's)"
    if any(mark in value.lower() for mark in PLACEHOLDER_MARKS):
        return "is a placeholder from .env.example or the README"
    return ""


@checks.register(checks.Tags.security, deploy=True)
def stripe_is_stripe(app_configs=None, **kwargs):
    """A warning, not an error: a staging site may run against an emulator on purpose."""
    warnings = []
    for number, name in enumerate(("STRIPE_API_BASE", "STRIPE_JS_URL"), start=1):
        value = getattr(settings, name, "")
        if not value.startswith("https://"):
            warnings.append(
                checks.Warning(
                    f"{name} is {value}: payments go to an emulator (localstripe), not to Stripe.",
                    hint=f"Set {name} to Stripe's own address (.env.example shows it).",
                    id=f"shop.W{number:03d}",
                )
            )
    return warnings


@checks.register(checks.Tags.security, deploy=True)
def secrets_are_private(app_configs=None, **kwargs):
    errors = []
    for number, name in enumerate(PUBLISHED, start=1):
        try:
            value = str(getattr(settings, name, ""))
        except ImproperlyConfigured:  # an empty SECRET_KEY cannot even be read
            value = ""
        reason = published_reason(name, value)
        if reason:
            harm, source = PROTECTS[name]
            errors.append(
                checks.Error(
                    f"{name} {reason}: {harm}.",
                    hint=f"Set {name} in the environment: {source}.",
                    id=f"shop.E{number:03d}",
                )
            )
    return errors


@checks.register()
def finance_calendar_is_one(app_configs=None, **kwargs):
    """The reports page's presets need a VAT stagger HMRC uses and a month that exists."""
    problems = []
    if settings.VAT_QUARTER_STAGGER not in (1, 2, 3):
        problems.append(checks.Error(
            f"VAT_QUARTER_STAGGER is {settings.VAT_QUARTER_STAGGER}: HMRC's staggers are 1, 2 and 3.", id="shop.E020",
            hint="1: quarters end in March, June, September and December; 2: a month later; 3: two months later.",
        ))  # fmt: skip
    if not 1 <= settings.FINANCIAL_YEAR_START_MONTH <= 12:
        problems.append(checks.Error(f"FINANCIAL_YEAR_START_MONTH is {settings.FINANCIAL_YEAR_START_MONTH}: give a month, 1 to 12.", id="shop.E021"))
    return problems
