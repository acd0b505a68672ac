"""Celery tasks: thin, idempotent, each loading what it needs and calling a service."""

import logging

from celery import shared_task
from celery.signals import task_postrun

from orders import order_links
from orders import outbox as order_outbox
from orders import selectors as order_selectors
from orders import services as order_services
from orders.errors import PaymentUnavailable
from shop import logs
from shop.errors import ShopError

from . import services as worker_services

log = logging.getLogger(__name__)


def _each(what: str, objects, action) -> int:
    """Apply `action` to each object; one failing (Stripe down, say) does not stop the rest."""
    done = 0
    for obj in objects:
        try:
            action(obj)
            done += 1
        except PaymentUnavailable:
            log.warning("%s: Stripe unavailable for %s; left for the next run", what, obj)
        except ShopError as error:  # Stripe said no (a refund it refuses): staff were told once
            log.warning("%s for %s: %s", what, obj, error.message)
        except Exception:
            log.exception("%s failed for %s", what, obj)
    return done


@shared_task(acks_late=True)
def expire_unpaid_orders() -> int:
    """Cancel orders not paid in time: their PaymentIntent, then the order, returning the stock."""
    return _each("expiry", order_selectors.orders_to_expire(), lambda order: order_services.order_expire(order=order))


@shared_task(acks_late=True)
def reconcile_pending_payments() -> int:
    """Ask Stripe about pending orders whose webhook may have been lost, and retry pending refunds."""
    reconciled = _each(
        "reconciliation", order_selectors.orders_to_reconcile(), lambda order: order_services.payment_reconcile(order=order)
    )
    _each("refund retry", order_selectors.refunds_to_retry(), lambda refund: order_services.refund_send(refund=refund))
    return reconciled


@shared_task(acks_late=True)
def process_outbox_entry(entry_id: int) -> str:
    """Send one owed email or warehouse request (safe to run twice: the entry is claimed first)."""
    return worker_services.outbox_process(entry_id)


@task_postrun.connect
def _log_no_order(**kwargs):
    """A task's log lines name the order it worked on (logs.set_order), up to its end."""
    logs.clear_order()


@shared_task(acks_late=True)
def sweep_outbox() -> int:
    """Hand over outbox entries (and "Find my orders" requests) whose enqueue was lost, whose
    worker died, or whose retry is due."""
    return order_outbox.sweep() + order_links.sweep()


@shared_task(acks_late=True)
def send_order_links(request_id: int) -> str:
    """Email a reader the links to their orders ("Find my orders"); safe to run twice."""
    return worker_services.order_links_process(request_id)


@shared_task(acks_late=True)
def send_low_stock_digest() -> int:
    """Email staff the publications at or under their reorder level."""
    return worker_services.low_stock_digest_send()


@shared_task(acks_late=True)
def build_report(download_id: int) -> str:
    """Build a finance report too long to download at once, and email its link."""
    return worker_services.report_build(download_id)


@shared_task(acks_late=True)
def remove_expired_reports() -> int:
    """Delete built reports whose download links have expired."""
    return worker_services.reports_expired_remove()


@shared_task(acks_late=True, autoretry_for=(PaymentUnavailable,), retry_backoff=60, max_retries=10)
def reconcile_payout(event_id: int) -> str:
    """A payout Stripe settled (its payout.reconciliation_completed event): list what it carried
    and match it to the shop's payments, refunds and disputes. Safe to run twice."""
    return worker_services.payout_reconcile(event_id)


@shared_task(acks_late=True)
def send_monthly_pack() -> str:
    """On the first working day of a month, every report for the month before, as Excel in one
    zip, to the finance group as a link that asks them to sign in. Sent once a month."""
    return worker_services.monthly_pack_send()


@shared_task(acks_late=True)
def reread_unread_payouts() -> int:
    """Settled payouts not yet recorded (a lost hand-over, Stripe refusing for a while): again."""
    return worker_services.payouts_unread_hand_over()
