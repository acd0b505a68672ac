"""Production settings for the tests that start the shop with DEBUG off: secrets made afresh for
each run, since the shop refuses every published one (shop/checks.py)."""

import secrets


def generated_secrets() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "STRIPE_SECRET_KEY": "sk_test_" + secrets.token_hex(24),
        "STRIPE_PUBLISHABLE_KEY": "pk_test_" + secrets.token_hex(24),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(24),
        "FULFILMENT_SECRET": secrets.token_urlsafe(40),
    }
