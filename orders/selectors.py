"""The orders' reads."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import DeliveryMethod, DeliveryZone, Order, Refund


def orders_to_expire():
    return Order.objects.filter(status=Order.Status.PENDING_PAYMENT, expires_at__lte=timezone.now())


def orders_to_reconcile():
    """Pending orders placed long enough ago that their webhook should have come."""
    since = timezone.now() - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    return Order.objects.filter(status=Order.Status.PENDING_PAYMENT, placed_at__lte=since).exclude(payment_intent="")


def refunds_to_retry():
    """Refunds Stripe has not confirmed a minute after they were asked for."""
    return Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=timezone.now() - timedelta(minutes=1))


def order_for_token(number: str, token: str) -> Order | None:
    """The order, with its lines, history and delivery method, for the holder of its token only.

    The token is checked on the order's row alone, in constant time, before anything else is
    read: a real number with a wrong token costs the same queries and time as a made-up one."""
    found = Order.objects.filter(number=number).values_list("pk", "token").first()
    if found is None or not token or not constant_time_compare(found[1], token):
        return None
    return Order.objects.prefetch_related("lines", "status_changes").select_related("delivery_method").get(pk=found[0])


def delivery_methods(*, country: str | None = None):
    """Active delivery methods, in the order readers see them (zones as they were set up, the
    shop's own first; then each zone's by position and price): those of the zone that delivers
    to `country`, or all of them."""
    methods = DeliveryMethod.objects.filter(active=True).select_related("zone").order_by("zone_id", "position", "price")
    if country is None:
        return methods
    zone = DeliveryZone.for_country(country)
    return methods.filter(zone=zone) if zone else methods.none()
