"""Fulfilment backends: how a paid order reaches the warehouse (FULFILMENT_BACKEND).

`email` sends the packing list and address to FULFILMENT_EMAIL with a CSV attachment; `http`
POSTs JSON to FULFILMENT_URL, signed with FULFILMENT_SECRET (HMAC-SHA256, X-Signature) and
with the order number as Idempotency-Key, so a retried request is recognised as the same.
"""

import csv
import io
import json

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from orders.models import Order
from shop import signing

TIMEOUT_SECONDS = 10


class Rejected(Exception):
    """The warehouse refused the request (4xx): retrying will not help, staff must look."""


class Unavailable(Exception):
    """The warehouse could not take it now (5xx, timeout, connection): try again later."""


def payload(order: Order) -> dict:
    return {
        "order_number": order.number,
        "placed_at": order.placed_at.isoformat(),
        "delivery_method": order.delivery_method.code,
        "lines": [{"isbn": line.isbn, "title": line.title, "quantity": line.quantity} for line in order.lines.all()],
        "address": {
            "name": order.name, "line1": order.line1, "line2": order.line2, "city": order.city,
            "postcode": order.postcode, "country": order.country.code,
        },
        "email": order.email,
    }  # fmt: skip


def _by_email(order: Order) -> str:
    lines = io.StringIO()
    writer = csv.writer(lines)
    writer.writerow(["order_number", "isbn", "title", "quantity"])
    for line in order.lines.all():
        writer.writerow([order.number, line.isbn, line.title, line.quantity])
    message = EmailMessage(
        subject=f"Fulfilment request {order.number}",
        body=render_to_string("emails/fulfilment.txt", {"order": order, "shop_url": settings.SHOP_URL}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[settings.FULFILMENT_EMAIL],
        headers={"Message-ID": f"<fulfilment.{order.number}@shop>"},
    )
    message.attach(f"{order.number}.csv", lines.getvalue(), "text/csv")
    message.send()
    return f"emailed to {settings.FULFILMENT_EMAIL}"


def _by_http(order: Order) -> str:
    body = json.dumps(payload(order)).encode()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": order.number,
        signing.HEADER: signing.sign(body, settings.FULFILMENT_SECRET),
    }
    try:
        response = requests.post(settings.FULFILMENT_URL, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise Unavailable(f"warehouse unreachable: {error}") from error
    if 200 <= response.status_code < 300:
        return f"accepted by the warehouse ({response.status_code})"
    detail = f"warehouse answered {response.status_code}: {response.text[:300]}"
    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
        raise Rejected(detail)
    raise Unavailable(detail)


BACKENDS = {"email": _by_email, "http": _by_http}


def request_fulfilment(order: Order) -> str:
    """Send the order to the warehouse; returns what happened, or raises Rejected / Unavailable."""
    order = Order.objects.prefetch_related("lines").select_related("delivery_method").get(pk=order.pk)
    return BACKENDS[settings.FULFILMENT_BACKEND](order)
