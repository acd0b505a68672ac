"""The orders' reads."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Order, Refund


def orders_to_expire():
    return Order.objects.filter(status=Order.Status.PENDING_PAYMENT, expires_at__lte=timezone.now())


def orders_to_reconcile():
    """Pending orders placed long enough ago that their webhook should have come."""
    since = timezone.now() - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    return Order.objects.filter(status=Order.Status.PENDING_PAYMENT, placed_at__lte=since).exclude(payment_intent="")


def refunds_to_retry():
    """Refunds Stripe has not confirmed a minute after they were asked for."""
    return Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=timezone.now() - timedelta(minutes=1))
