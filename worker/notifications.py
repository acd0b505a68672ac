"""The emails the shop sends: order confirmation, dispatch with tracking, refund, staff digests.

Each is plain text plus HTML from templates, from DEFAULT_FROM_EMAIL with SHOP_REPLY_TO, sent
through Django's email framework (files in development, SMTP or a provider in production).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse

from orders import pdf
from orders.models import CreditNote, Order, OutboxEntry

from . import mail

SUBJECTS = {
    OutboxEntry.Kind.CONFIRMATION: "Your order {number} is confirmed",
    OutboxEntry.Kind.DISPATCH: "Your order {number} is on its way",
    OutboxEntry.Kind.REFUND: "A refund on your order {number}",
    OutboxEntry.Kind.CONFIRMATION_RESEND: "Your order {number} is confirmed (sent again)",
}
# The email an outbox entry sends, where it is not named after the entry's kind.
TEMPLATES = {OutboxEntry.Kind.CONFIRMATION_RESEND: OutboxEntry.Kind.CONFIRMATION}
CONFIRMATIONS = (OutboxEntry.Kind.CONFIRMATION, OutboxEntry.Kind.CONFIRMATION_RESEND)


def status_link(order: Order) -> str:
    return f"{settings.SHOP_URL}/orders/{order.number}/?token={order.token}"


def _message(*, subject: str, to: list[str], template: str, context: dict, message_id: str) -> EmailMultiAlternatives:
    context = {
        **context, "shop_name": settings.SHOP_NAME, "shop_url": settings.SHOP_URL, "contact": settings.SHOP_REPLY_TO,
        "seller_address": settings.SELLER_ADDRESS, "seller_vat_number": settings.SELLER_VAT_NUMBER,
    }  # fmt: skip
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=[settings.SHOP_REPLY_TO],
        # The same id on a resend lets mail systems recognise a duplicate.
        headers={"Message-ID": f"<{message_id}@{urlsplit(settings.SHOP_URL).hostname or 'localhost'}>"},
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def send_order_email(entry: OutboxEntry) -> None:
    """An email about an order; the confirmation carries the VAT receipt, a refund's email its
    credit note (as PDFs)."""
    # The order as the entry was claimed with it (outbox.claim), with its receipt, whose PDF
    # reads the same order and lines; then its lines, and the refund's.
    order, refund = entry.order, entry.refund
    prefetch_related_objects([order], "lines")
    if refund:
        prefetch_related_objects([refund], "lines__order_line")
    receipt = getattr(order, "receipt", None)  # none for an order never paid
    credit_note = CreditNote.objects.filter(refund=refund).select_related("receipt").first() if refund else None
    message = _message(
        subject=SUBJECTS[entry.kind].format(number=order.number),
        to=[order.email],
        template=TEMPLATES.get(entry.kind, entry.kind),
        context={
            "order": order, "refund": refund, "status_link": status_link(order), "vat_by_rate": order.vat_by_rate(),
            "delivery_refunded": refund.delivery_amount if refund else None,
            "receipt": receipt, "credit_note": credit_note,
        },  # fmt: skip
        message_id=entry.key.replace(":", "."),
    )
    if entry.kind in CONFIRMATIONS and receipt:
        message.attach(f"receipt-{receipt.code}-{order.number}.pdf", pdf.receipt_pdf(receipt), "application/pdf")
    if credit_note:
        message.attach(f"credit-note-{credit_note.code}-{order.number}.pdf", pdf.credit_note_pdf(credit_note), "application/pdf")
    mail.send(message)


def send_order_links(email: str, orders: list[Order], *, message_id: str) -> None:
    """"Find my orders": the links to an address's orders, each with its status page."""
    mail.send(
        _message(
            subject=f"Your orders at {settings.SHOP_NAME}",
            to=[email],
            template="order_links",
            context={"orders": [(order, status_link(order)) for order in orders]},
            message_id=message_id,
        )
    )


def send_low_stock_digest(publications) -> int:
    if not publications:
        return 0
    message = EmailMessage(
        subject=f"Low stock: {len(publications)} publication(s) at or under their reorder level",
        body=render_to_string(
            "emails/low_stock.txt", {"publications": publications, "shop_url": settings.SHOP_URL, "sales_days": settings.STOCK_SALES_DAYS}
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=settings.STAFF_EMAILS,
    )
    return mail.send(message)


def send_report_link(download, link: str) -> None:
    what = "finance pack (every report, as Excel, in one zip)" if download.report == "pack" else f"{download.report} report"
    message = EmailMessage(
        subject=f"Your {what.split(' (')[0]} for {download.period_from} to {download.period_to} is ready",
        body=(
            f"Your {what} for {download.period_from} to {download.period_to}.\n\n"
            f"Download it here (sign in as {download.user.get_username()} if asked):\n\n{link}\n\n"
            f"The link works for {settings.REPORT_LINK_HOURS} hours.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[download.user.email],
    )
    mail.send(message)


def send_staff_alert(entry: OutboxEntry) -> None:
    """Tell staff an order needs them (a payment the shop did not expect, an email or warehouse
    request given up on), with the reason as it stands now and the order's admin page."""
    order = Order.objects.get(pk=entry.order_id)
    message = EmailMessage(
        subject=f"Order {order.number} needs attention",
        body=render_to_string(
            "emails/staff_alert.txt",
            {"order": order, "admin_link": f"{settings.SHOP_URL}{reverse('admin:orders_order_change', args=[order.pk])}"},
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=settings.STAFF_EMAILS,
        headers={"Message-ID": f"<{entry.key.replace(':', '.')}@{urlsplit(settings.SHOP_URL).hostname or 'localhost'}>"},
    )
    mail.send(message)
