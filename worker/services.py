"""The worker's actions: drain an outbox entry, send the staff's low-stock digest, build long reports."""

import logging
import smtplib
import tempfile
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from catalogue import selectors as catalogue_selectors
from orders import order_links, outbox, warehouse, working_days
from orders import services as order_services
from orders.models import OutboxEntry, StripeEvent
from reports import finance, payouts, periods
from reports.models import ReportDownload
from shop import logs, roles

from . import fulfilment, notifications

log = logging.getLogger(__name__)
# Failures worth another attempt: the mail server or the warehouse not answering as it should.
TRANSIENT = (smtplib.SMTPException, OSError, fulfilment.Unavailable)


def outbox_process(entry_id: int) -> str:
    """Do what one outbox entry owes, once: claim it, act without holding a lock, record the result."""
    entry = outbox.claim(entry_id)
    if entry is None:
        return "not due, already done, or another worker has it"
    # From here every line of the task names the order, Celery's own "succeeded" line or
    # traceback after it too; the task's end clears it (worker.tasks).
    logs.set_order(entry.order.number)
    return _outbox_entry_process(entry)


def order_links_process(request_id: int) -> str:
    """Send the links to an address's orders, if it has any; then forget the request."""
    request = order_links.claim(request_id)
    if request is None:
        return "not due, already done, or another worker has it"
    orders = list(order_links.orders_for(request.email))
    sent = False
    try:
        if orders and order_links.first_in_a_while(request.email):
            # To the address the reader gave at checkout (the newest order's), not as typed here.
            notifications.send_order_links(orders[0].email, orders, message_id=f"order-links.{request.pk}")
            sent = True
    except Exception as error:  # noqa: BLE001 (any failure: again later, then given up; never leased for ever)
        if not isinstance(error, TRANSIENT):
            log.exception("Order links request %s failed", request.pk)
        order_links.sent_recently_forget(request.email)
        delay = order_links.retry_later(request, f"{type(error).__name__}: {error}")
        if delay is not None:
            order_links.enqueue(request.pk, countdown=delay)
        return _attempt_failed(request.attempts, error, delay)
    order_links.done(request)
    if sent:
        return f"sent {len(orders)} link(s)"
    return "sent to this address within the hour: not again" if orders else "no orders: nothing sent"


def _attempt_failed(attempts: int, error: Exception, delay: float | None) -> str:
    """What a task says of a failed attempt: when the next is due, or that it gave up (`delay` None)."""
    return f"attempt {attempts} failed ({error}); " + (f"again in {delay:.0f}s" if delay is not None else "gave up")


WAREHOUSE_CHANGES = (OutboxEntry.Kind.WAREHOUSE_CANCEL, OutboxEntry.Kind.WAREHOUSE_AMEND)


def _outbox_entry_process(entry: OutboxEntry) -> str:
    result = "sent"
    try:
        if entry.kind == OutboxEntry.Kind.FULFILMENT:
            lines = warehouse.lines_now(entry.order)  # read once: to tell whether it is still wanted, and to send
            if warehouse.no_longer_wanted(entry, lines):
                outbox.withdraw(entry)
                return "no longer wanted (refunded, cancelled or sent by hand): withdrawn"
            result = fulfilment.request_fulfilment(entry.order, lines)
            _recorded(order_services.order_fulfilment_requested, entry=entry, note=result)
            return result
        if entry.kind in WAREHOUSE_CHANGES:
            if warehouse.superseded(entry):
                outbox.withdraw(entry)
                return "superseded by the order's cancellation or dispatch: not sent"
            waiting = warehouse.waiting_for_request(entry)
            if waiting is None:
                outbox.withdraw(entry)
                return "the warehouse never had the order: nothing to tell it"
            if waiting:  # the request is on its way: this follows its acceptance
                outbox.enqueue(entry.pk, countdown=outbox.wait(entry))
                return "waiting for the fulfilment request to be accepted"
            result = fulfilment.tell_of_change(entry)
        elif entry.kind == OutboxEntry.Kind.STAFF_ALERT:
            notifications.send_staff_alert(entry)
        else:
            notifications.send_order_email(entry)
    except fulfilment.TooLate as error:
        outbox.give_up(entry, f"Too late: the warehouse had already sent the parcel ({error}).")
        return f"too late: {error}"
    except fulfilment.Rejected as error:
        outbox.give_up(entry, str(error))
        return f"rejected: {error}"
    except TRANSIENT as error:
        delay = outbox.retry_later(entry, f"{type(error).__name__}: {error}")
        if delay is not None:
            outbox.enqueue(entry.pk, countdown=delay)
        return _attempt_failed(entry.attempts, error, delay)
    _recorded(outbox.mark_sent, entry)
    return result


def _recorded(record, *args, **kwargs):
    """Record that an entry's email or request went. If the database is away (a restart, a
    failover), keep trying, on a new connection each time, for half the entry's lease: given up
    sooner, the entry would be handed to a worker again once its lease ran out, and sent twice."""
    deadline, delay = time.monotonic() + settings.OUTBOX_LEASE_SECONDS / 2, 0.25
    while True:
        try:
            return record(*args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("Sent, but not yet recorded: the database is away (%s); trying again in %.2fs", error, delay)
            connection.close()
            time.sleep(delay)
            delay = min(delay * 2, 5)


def low_stock_digest_send() -> int:
    publications = list(catalogue_selectors.publications_low_on_stock())
    notifications.send_low_stock_digest(publications)
    return len(publications)


def report_build(download_id: int) -> str:
    """Build a requested report into the reports storage and email its owner a link (once)."""
    download = ReportDownload.objects.select_related("user").get(pk=download_id)
    if download.built_at:
        return "already built"
    report = finance.REPORTS[download.report]
    period = finance.Period(download.period_from, download.period_to)
    storage = storages["reports"]
    name = f"{download.report}_{period}_{uuid.uuid4().hex}.{download.format}"
    if download.format == "xlsx":
        built = finance.xlsx_file(report, period, download.include_unpaid)
    else:
        built = tempfile.TemporaryFile()
        for text in finance.csv_lines(report, period, download.include_unpaid):
            built.write(text.encode())
        built.seek(0)
    with built:
        name = storage.save(name, File(built))
    ReportDownload.objects.filter(pk=download.pk).update(file=name, built_at=timezone.now())
    notifications.send_report_link(download, f"{settings.SHOP_URL}/api/reports/download/{finance.download_token(download.pk)}/")
    return name


def reports_expired_remove() -> int:
    """Built reports whose links have expired: the files go, the log stays."""
    storage = storages["reports"]
    expired = ReportDownload.objects.exclude(file="").filter(
        built_at__lt=timezone.now() - timedelta(hours=settings.REPORT_LINK_HOURS)
    )
    removed = 0
    for download in expired:
        storage.delete(download.file)
        ReportDownload.objects.filter(pk=download.pk).update(file="")
        removed += 1
    return removed


def payouts_unread_hand_over() -> int:
    """Settled payouts whose hand-over was lost (the broker down) or whose reading failed: again."""
    return payouts.unread_hand_over()


def payout_reconcile(event_id: int) -> str:
    """Read the payout a stored payout event names from Stripe, and record what it carried."""
    event = StripeEvent.objects.get(pk=event_id)
    payout = payouts.payout_from_stripe(event.payload["data"]["object"]["id"])
    matched = payout.items.exclude(order=None).count()
    return f"payout {payout.stripe_id}: {payout.items.count()} balance transactions, {matched} matched to orders"


def monthly_pack_send(today=None) -> str:
    """Last month's pack (reports.finance.pack_file) into the reports storage, and a link to it
    emailed to each member of the finance group (their own download, logged, like a long report)."""
    today = today or timezone.localdate()
    if not working_days.on_or_after_first_working_day(today):
        return "before the month's first working day"
    period = periods.last_month(today)
    sent = ReportDownload.objects.filter(report=finance.PACK, via="email", period_from=period.start, period_to=period.end)
    if sent.exists():
        return f"the pack for {period} was sent already"
    people = list(get_user_model().objects.filter(groups__name=roles.FINANCE, is_active=True).exclude(email=""))
    if not people:
        log.warning("Nobody in the finance group has an email address: the monthly pack for %s is not sent", period)
        return "nobody in the finance group has an email address"
    with finance.pack_file(period) as built:
        name = storages["reports"].save(f"{finance.PACK}_{period}_{uuid.uuid4().hex}.zip", File(built))
    failed = []
    for person in people:
        download = ReportDownload.objects.create(
            user=person, report=finance.PACK, period_from=period.start, period_to=period.end, format="zip", via="email",
            file=name, built_at=timezone.now(),
        )  # fmt: skip
        try:
            notifications.send_report_link(download, f"{settings.SHOP_URL}/api/reports/download/{finance.download_token(download.pk)}/")
        except TRANSIENT as error:  # the others still get theirs; this one can download it from the reports page
            log.error("The monthly pack for %s was not emailed to %s: %s", period, person.get_username(), error)
            failed.append(person.get_username())
    return f"the pack for {period} sent to {len(people) - len(failed)} person(s)" + (f"; not to {', '.join(failed)}" if failed else "")
