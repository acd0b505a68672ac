"""The worker's actions: drain an outbox entry, send the staff's low-stock digest."""

import logging
import smtplib

from catalogue import selectors as catalogue_selectors
from orders import outbox
from orders import services as order_services
from orders.models import OutboxEntry

from . import fulfilment, notifications

log = logging.getLogger(__name__)
# Failures worth another attempt: the mail server or the warehouse not answering as it should.
TRANSIENT = (smtplib.SMTPException, OSError, fulfilment.Unavailable)


def outbox_process(entry_id: int) -> str:
    """Do what one outbox entry owes, once: claim it, act without holding a lock, record the result."""
    entry = outbox.claim(entry_id)
    if entry is None:
        return "not due, already done, or another worker has it"
    try:
        if entry.kind == OutboxEntry.Kind.FULFILMENT:
            result = fulfilment.request_fulfilment(entry.order)
            order_services.order_fulfilment_requested(entry=entry, note=result)
            return result
        notifications.send_order_email(entry)
    except fulfilment.Rejected as error:
        outbox.give_up(entry, str(error))
        return f"rejected: {error}"
    except TRANSIENT as error:
        delay = outbox.retry_later(entry, f"{type(error).__name__}: {error}")
        if delay is not None:
            outbox.enqueue(entry.pk, countdown=delay)
        return f"attempt {entry.attempts} failed ({error}); " + (f"again in {delay:.0f}s" if delay else "gave up")
    outbox.mark_sent(entry)
    return "sent"


def low_stock_digest_send() -> int:
    publications = list(catalogue_selectors.publications_low_on_stock())
    notifications.send_low_stock_digest(publications)
    return len(publications)
