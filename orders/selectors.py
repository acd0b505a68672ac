"""The orders' reads."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import DeliveryMethod, DeliveryZone, Order, OrderLine, Refund, RefundLine


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
    return order_with_lines().get(pk=found[0])


def order_with_lines():
    """Orders with what a reader's view of one shows: lines (each with the copies refunded so
    far), refunds with their lines and credit notes, history, delivery method and receipt, in a
    fixed number of queries."""
    lines = OrderLine.objects.annotate(refunded_copies=Coalesce(Sum("refund_lines__quantity"), 0)).order_by("id")
    refunds = Refund.objects.select_related("credit_note").prefetch_related(
        Prefetch("lines", queryset=RefundLine.objects.select_related("order_line"))
    )
    return Order.objects.select_related("delivery_method", "receipt").prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("refunds", queryset=refunds), "status_changes"
    )


def delivery_methods(*, country: str | None = None):
    """Active delivery methods, in the order readers see them (zones as they were set up, the
    shop's own first; then each zone's by position and price): those of the zone that delivers
    to `country`, or all of them."""
    methods = DeliveryMethod.objects.filter(active=True).select_related("zone").order_by("zone_id", "position", "price")
    if country is None:
        return methods
    zone = DeliveryZone.for_country(country)
    return methods.filter(zone=zone) if zone else methods.none()
