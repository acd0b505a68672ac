"""Point localstripe's webhooks at this shop (development: make run does it)."""

import time

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Register this shop's Stripe webhook endpoint with localstripe at STRIPE_API_BASE."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/api/payments/stripe/webhook/")
        parser.add_argument("--wait", type=float, default=30, help="Seconds to wait for localstripe to answer.")

    def handle(self, *args, url, wait, **options):
        base = settings.STRIPE_API_BASE.rstrip("/")
        if "stripe.com" in base:
            raise CommandError("STRIPE_API_BASE is Stripe itself: set webhooks in Stripe's dashboard instead.")
        deadline = time.monotonic() + wait
        while True:
            try:
                response = requests.post(
                    f"{base}/_config/webhooks/shop", data={"url": url, "secret": settings.STRIPE_WEBHOOK_SECRET}, timeout=5
                )
                response.raise_for_status()
                break
            except requests.RequestException as error:
                if time.monotonic() > deadline:
                    raise CommandError(f"localstripe at {base} did not answer: {error}") from None
                time.sleep(0.5)
        self.stdout.write(self.style.SUCCESS(f"localstripe sends webhooks to {url}"))
