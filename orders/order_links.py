"""Find my orders: a reader gives an email address and gets, by email, links to its orders.

The page only stores the request and hands it to the workers, the same work whether or not
the address has orders, so neither its answer nor its timing says which addresses are known.
A worker finds the orders and sends the links (`worker.services.order_links_process`); a
failed send is retried with the outbox's backoff, and the outbox's sweep hands over any
request the broker lost. Rows are deleted once handled: the shop keeps no list of who asked.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from . import outbox
from .models import Order, OrderLinksRequest

log = logging.getLogger(__name__)
TASK = "worker.tasks.send_order_links"
MONTHS = 12  # how far back "your orders" go


def order_links_request(*, email: str) -> OrderLinksRequest:
    request = OrderLinksRequest.objects.create(email=email.strip())
    transaction.on_commit(lambda: enqueue(request.pk))
    return request


def enqueue(request_id: int, countdown: float | None = None) -> bool:
    return outbox.hand_over(TASK, request_id, countdown)


def claim(request_id: int) -> OrderLinksRequest | None:
    """Lease the request for this worker, or None if it is handled, not due, or leased to another."""
    return OrderLinksRequest.objects.get(pk=request_id) if outbox.lease(OrderLinksRequest.objects.all(), request_id) else None


def orders_for(email: str):
    """The address's orders of the last MONTHS months, newest first (the address as typed at
    checkout, whatever its capitals)."""
    since = timezone.now() - timedelta(days=round(MONTHS * 30.44))
    return Order.objects.filter(email__iexact=email, placed_at__gte=since).order_by("-placed_at")


def _sent_key(email: str) -> str:
    return "order-links-sent:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def first_in_a_while(email: str) -> bool:
    """True at most once an hour per address: however many people ask for it, from however many
    addresses, one reader gets one "your orders" email an hour (the requester cannot tell)."""
    return cache.add(_sent_key(email), True, timeout=3600)


def sent_recently_forget(email: str) -> None:
    """The send failed: the next attempt may send."""
    cache.delete(_sent_key(email))


def done(request: OrderLinksRequest) -> None:
    OrderLinksRequest.objects.filter(pk=request.pk).delete()


def retry_later(request: OrderLinksRequest, error: str) -> float | None:
    """Another attempt later, backing off as the outbox does; after the last, give up (logged)."""
    if request.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        log.error("Order links for a reader given up after %s attempts: %s", request.attempts, error)
        done(request)
        return None
    delay = outbox.backoff_seconds(request.attempts)
    OrderLinksRequest.objects.filter(pk=request.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=delay), leased_until=None, last_error=error[:2000]
    )
    return delay


def sweep(limit: int = 500) -> int:
    due = OrderLinksRequest.objects.filter(outbox.due(timezone.now())).values_list("pk", flat=True)[:limit]
    return sum(enqueue(request_id) for request_id in due)
