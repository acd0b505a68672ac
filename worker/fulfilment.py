"""Fulfilment backends: how a paid order reaches the warehouse (FULFILMENT_BACKEND), and how
the warehouse hears of a change after it (a cancellation or an amendment, orders.warehouse).

`email` sends the packing list and address to FULFILMENT_EMAIL with a CSV attachment; `http`
POSTs JSON to FULFILMENT_URL, signed with FULFILMENT_SECRET (HMAC-SHA256, X-Signature) and
with the order number as Idempotency-Key (a change: `{number}:{type}:{refund}`), so a retried
request is recognised as the same.
"""

import csv
import io
import json
import os
import threading

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from orders import warehouse
from orders.models import Order, OutboxEntry
from shop import signing

from . import mail

TIMEOUT_SECONDS = 10
_kept = threading.local()


class Rejected(Exception):
    """The warehouse refused the request (4xx): retrying will not help, staff must look."""


class Unavailable(Exception):
    """The warehouse could not take it now (5xx, timeout, connection): try again later."""


class TooLate(Rejected):
    """The warehouse answered 409 to a change: the parcel is already on its way. Staff must look."""


def _lines(lines_now: list[dict]) -> list[dict]:
    """What the warehouse is asked to send (of the order's warehouse.lines_now): each title's
    copies less those already refunded."""
    return [line for line in lines_now if line["quantity"] > 0]


def payload(order: Order, lines_now: list[dict]) -> dict:
    return {
        "order_number": order.number,
        "placed_at": order.placed_at.isoformat(),
        "delivery_method": order.delivery_method.code,
        "lines": _lines(lines_now),
        "address": {
            "name": order.name, "line1": order.line1, "line2": order.line2, "city": order.city,
            "postcode": order.postcode, "country": order.country.code,
        },
        "email": order.email,
    }  # fmt: skip


def _by_email(order: Order, lines_now: list[dict]) -> str:
    csv_lines = io.StringIO()
    writer = csv.writer(csv_lines)
    writer.writerow(["order_number", "isbn", "title", "quantity"])
    lines = _lines(lines_now)
    for line in lines:
        writer.writerow([order.number, line["isbn"], line["title"], line["quantity"]])
    message = EmailMessage(
        subject=f"Fulfilment request {order.number}",
        body=render_to_string("emails/fulfilment.txt", {"order": order, "lines": lines, "shop_url": settings.SHOP_URL}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[settings.FULFILMENT_EMAIL],
        headers={"Message-ID": f"<fulfilment.{order.number}@shop>"},
    )
    message.attach(f"{order.number}.csv", csv_lines.getvalue(), "text/csv")
    mail.send(message)
    return f"emailed to {settings.FULFILMENT_EMAIL}"


def _by_http(order: Order, lines_now: list[dict]) -> str:
    return _post(payload(order, lines_now), idempotency_key=order.number)


def _post(message: dict, *, idempotency_key: str, conflict=None) -> str:
    body = json.dumps(message).encode()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": idempotency_key,
        signing.HEADER: signing.sign(body, settings.FULFILMENT_SECRET),
    }
    try:
        response = _session().post(settings.FULFILMENT_URL, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise Unavailable(f"warehouse unreachable: {error}") from error
    if 200 <= response.status_code < 300:
        return f"accepted by the warehouse ({response.status_code})"
    detail = f"warehouse answered {response.status_code}: {response.text[:300]}"
    if response.status_code == 409 and conflict:
        raise conflict(detail)
    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
        raise Rejected(detail)
    raise Unavailable(detail)


def _session() -> requests.Session:
    """This worker process's (and thread's) session: its connection to the warehouse is kept
    between requests, not opened (TCP, often TLS) for each. One the warehouse closed while it
    was idle is noticed before it is used; a request that still fails goes again later."""
    if getattr(_kept, "pid", None) != os.getpid():
        _kept.session, _kept.pid = requests.Session(), os.getpid()
    return _kept.session


BACKENDS = {"email": _by_email, "http": _by_http}


def request_fulfilment(order: Order, lines_now: list[dict]) -> str:
    """Send the order (as its outbox entry was claimed, with its delivery method; `lines_now`:
    warehouse.lines_now of it) to the warehouse; returns what happened, or raises Rejected / Unavailable."""
    return BACKENDS[settings.FULFILMENT_BACKEND](order, lines_now)


CHANGE_SUBJECTS = {
    OutboxEntry.Kind.WAREHOUSE_CANCEL: "Cancel order {number}: do not send it",
    OutboxEntry.Kind.WAREHOUSE_AMEND: "Amend order {number}: send these copies instead",
}


def tell_of_change(entry: OutboxEntry) -> str:
    """Send the warehouse a cancellation or an amendment of an order it has; returns what
    happened, or raises TooLate (409), Rejected or Unavailable."""
    message = warehouse.change_message(entry)
    if settings.FULFILMENT_BACKEND == "http":
        return _post(message, idempotency_key=entry.key, conflict=TooLate)
    mail.send(
        EmailMessage(
            subject=CHANGE_SUBJECTS[entry.kind].format(number=message["order_number"]),
            body=render_to_string("emails/warehouse_change.txt", {"message": message, "shop_url": settings.SHOP_URL}),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[settings.FULFILMENT_EMAIL],
            headers={"Message-ID": f"<{entry.key.replace(':', '.')}@shop>", "X-Idempotency-Key": entry.key},
        )
    )
    return f"emailed to {settings.FULFILMENT_EMAIL}"
