"""The outbox: work owed to the outside world (emails, the warehouse) because an order changed.

An entry is written in the same transaction as the change and handed to the workers by task
name once that commits; if the broker is down then, or a worker dies holding it, the beat
sweep hands it over again. Workers claim an entry with a lease before they act, so two
workers never act on one entry at the same time, and mark it sent afterwards.
"""

import logging
import random
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shop import rows
from shop.celery import app as celery_app

from .models import Order, OutboxEntry, Refund

log = logging.getLogger(__name__)
PROCESS_TASK = "worker.tasks.process_outbox_entry"


def owe(order: Order, kind: str, refund: Refund | None = None, occasion: str = "") -> OutboxEntry:
    """Record that `kind` is owed for this order (once per refund or occasion), and hand it over after commit."""
    key = f"{order.number}:{kind}" + (f":{refund.pk}" if refund else "") + (f":{occasion}" if occasion else "")
    entry, created = rows.insert_or_get(OutboxEntry, key=key, defaults={"kind": kind, "order": order, "refund": refund})
    if created:
        transaction.on_commit(lambda: enqueue(entry.pk))
    return entry


def enqueue(entry_id: int, countdown: float | None = None) -> bool:
    """Hand an entry to the workers; if the broker cannot take it, the sweep will later."""
    return hand_over(PROCESS_TASK, entry_id, countdown)


def hand_over(task: str, pk: int, countdown: float | None = None) -> bool:
    """Give the workers `task` for row `pk` (an outbox entry, or a row kept the same way); if the
    broker cannot take it, the row waits and the sweep hands it over later."""
    try:
        celery_app.signature(task, args=[pk]).apply_async(countdown=countdown)
        return True
    except Exception as error:  # the broker is down
        log.warning("%s for %s not enqueued (%s); the sweep will hand it over", task, pk, error)
        return False


def due(now) -> Q:
    """Rows kept the outbox's way (next_attempt_at, leased_until) that a worker may take now."""
    return Q(next_attempt_at__lte=now) & (Q(leased_until__isnull=True) | Q(leased_until__lt=now))


def _claimable(now):
    return Q(status=OutboxEntry.Status.PENDING) & due(now)


def lease(queryset, pk: int) -> bool:
    """Take row `pk` of `queryset` for this worker (one more attempt), if it is due and nobody has it."""
    now = timezone.now()
    return bool(
        queryset.filter(due(now), pk=pk).update(
            leased_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS), attempts=F("attempts") + 1
        )
    )


def backoff_seconds(attempts: int) -> float:
    """How long before attempt `attempts` + 1: exponential, capped, with jitter."""
    ceiling = min(settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1), settings.OUTBOX_RETRY_MAX_SECONDS)
    return random.uniform(ceiling / 2, ceiling)


def claim(entry_id: int) -> OutboxEntry | None:
    """Lease the entry for this worker, or None if it is sent, failed, not due, or leased to another.
    The entry comes with its refund and its order, with the order's delivery method and receipt."""
    pending = OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING)
    if not lease(pending, entry_id):
        return None
    return OutboxEntry.objects.select_related("order__delivery_method", "order__receipt", "refund").get(pk=entry_id)


def mark_sent(entry: OutboxEntry, *, unless_withdrawn: bool = False) -> bool:
    """Record that the entry's email or request went. With `unless_withdrawn`, an entry
    withdrawn meanwhile is left as it is; returns whether the entry was marked."""
    entries = OutboxEntry.objects.filter(pk=entry.pk)
    if unless_withdrawn:
        entries = entries.exclude(status=OutboxEntry.Status.WITHDRAWN)
    return bool(entries.update(status=OutboxEntry.Status.SENT, sent_at=timezone.now(), leased_until=None, last_error=""))


def withdraw(entry: OutboxEntry) -> None:
    """No longer needed (a warehouse change for a request that never reached it)."""
    OutboxEntry.objects.filter(pk=entry.pk).update(status=OutboxEntry.Status.WITHDRAWN, leased_until=None, sent_at=timezone.now())


def wait(entry: OutboxEntry) -> float:
    """Not yet: try again later without counting this as a failed attempt. Returns the delay."""
    delay = settings.OUTBOX_RETRY_SECONDS
    OutboxEntry.objects.filter(pk=entry.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=delay), leased_until=None, attempts=F("attempts") - 1
    )
    return delay


def retry_later(entry: OutboxEntry, error: str) -> float | None:
    """Schedule another attempt with exponential backoff and jitter; after the last attempt give up.
    Returns the delay in seconds, or None if it gave up."""
    if entry.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        give_up(entry, f"Gave up after {entry.attempts} attempts: {error}")
        return None
    delay = backoff_seconds(entry.attempts)
    OutboxEntry.objects.filter(pk=entry.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=delay), leased_until=None, last_error=error[:2000]
    )
    return delay


@transaction.atomic
def give_up(entry: OutboxEntry, error: str) -> None:
    """No more automatic attempts: staff see the order flagged and can retry it from the admin."""
    OutboxEntry.objects.filter(pk=entry.pk).update(status=OutboxEntry.Status.FAILED, leased_until=None, last_error=error[:2000])
    log.error("Order %s: %s failed for good: %s", entry.order.number, entry.kind, error)
    if entry.kind == OutboxEntry.Kind.STAFF_ALERT:
        return  # the order keeps the reason it was flagged for; the failed alert is in the outbox and the log
    Order.objects.filter(pk=entry.order_id).update(
        needs_attention=True, attention_reason=f"{entry.get_kind_display()} failed: {error}"[:2000]
    )
    alert_staff(entry.order)


def flag(order: Order, reason: str) -> None:
    """Staff must look at this order (a payment the shop did not expect, a dispute): flagged,
    and emailed, unless it is flagged for this very reason already (a retry is not news)."""
    log.error("Order %s needs attention: %s", order.number, reason)
    already = Order.objects.filter(pk=order.pk, needs_attention=True, attention_reason=reason).exists()
    Order.objects.filter(pk=order.pk).update(needs_attention=True, attention_reason=reason)
    if not already:
        alert_staff(order)


def alert_staff(order: Order) -> OutboxEntry:
    """Email staff (STAFF_EMAILS) that this order needs attention, with its reason as it stands then."""
    return owe(order, OutboxEntry.Kind.STAFF_ALERT, occasion=uuid.uuid4().hex[:12])


def retry_failed(*, orders) -> int:
    """Staff asked again: failed entries of these orders start over and are handed to the workers."""
    entries = list(OutboxEntry.objects.filter(order__in=orders, status=OutboxEntry.Status.FAILED))
    OutboxEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=OutboxEntry.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), leased_until=None
    )
    for entry in entries:
        transaction.on_commit(lambda entry_id=entry.pk: enqueue(entry_id))
    return len(entries)


def sweep(limit: int = 500) -> int:
    """Hand over every entry that is due and not leased: lost enqueues, dead workers, retries."""
    due = OutboxEntry.objects.filter(_claimable(timezone.now())).values_list("pk", flat=True)[:limit]
    return sum(enqueue(entry_id) for entry_id in due)
