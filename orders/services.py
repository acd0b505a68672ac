"""The orders' writes: one function per business action, each in one transaction.

Stripe is called only outside transactions and row locks (orders.gateway); stock moves only
through catalogue.services.stock_adjust, locked in publication order so that two orders for
the same publications never deadlock.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalogue import services as catalogue_services
from catalogue.models import Publication, StockMovement

from . import gateway
from .errors import IdempotencyKeyReused, IdempotentRequestInProgress, InvalidTransition, PaymentUnavailable
from .models import DeliveryMethod, Order, OrderLine, OrderStatusChange, StripeEvent

log = logging.getLogger(__name__)
PENNY = Decimal("0.01")
# Stripe refuses card payments under 30p.
MINIMUM_CARD_PAYMENT = Decimal("0.30")


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def _vat_within(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside a VAT-inclusive amount."""
    return _money(gross * rate / (1 + rate)) if rate else Decimal("0.00")


@dataclass(frozen=True)
class QuoteLine:
    publication: Publication
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    subtotal: Decimal
    delivery: Decimal
    vat: Decimal
    total: Decimal


def order_quote(*, items: list[tuple[Publication, int]], delivery_method: DeliveryMethod) -> Quote:
    """Prices as the shop charges them: VAT-inclusive unit prices, delivery free over its threshold."""
    lines = []
    for publication, quantity in items:
        line_total = _money(publication.price * quantity)
        lines.append(QuoteLine(publication, quantity, publication.price, line_total, _vat_within(line_total, publication.vat_rate)))
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    delivery = delivery_method.charge_for(subtotal)
    vat = sum((line.vat for line in lines), Decimal("0.00")) + _vat_within(delivery, delivery_method.vat_rate)
    return Quote(lines, subtotal, delivery, vat, subtotal + delivery)


def _record(order: Order, to_status: str, *, by=None, note: str = "", from_status: str = "") -> None:
    OrderStatusChange.objects.create(order=order, from_status=from_status, to_status=to_status, changed_by=by, note=note)


def _transition(order: Order, to_status: str, *, by=None, note: str = "") -> None:
    """Move a locked order along Order.TRANSITIONS, stamping the time and recording the change."""
    if not order.can_become(to_status):
        raise InvalidTransition(number=order.number, current=order.status, wanted=to_status)
    from_status, order.status = order.status, to_status
    update_fields = ["status"]
    timestamp = Order.STATUS_TIMESTAMPS.get(to_status)
    if timestamp:
        setattr(order, timestamp, timezone.now())
        update_fields.append(timestamp)
    order.save(update_fields=update_fields)
    _record(order, to_status, by=by, note=note, from_status=from_status)


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def order_place(
    *,
    email: str,
    address: dict,
    delivery_method: DeliveryMethod,
    items: list[tuple[Publication, int]],
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> Order:
    """Reserve the stock, snapshot the prices and create the order, then its PaymentIntent.

    With an idempotency key, a repeated request returns the order the first one placed."""
    if idempotency_key:
        existing = Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return _replayed(existing, fingerprint)
    try:
        order = _order_create(
            email=email, address=address, delivery_method=delivery_method, items=items,
            idempotency_key=idempotency_key, fingerprint=fingerprint,
        )  # fmt: skip
    except IntegrityError:
        existing = Order.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return _replayed(existing, fingerprint)

    try:
        intent = gateway.payment_intent_create(order_number=order.number, amount=order.total, currency=order.currency)
    except PaymentUnavailable:
        order_cancel(order=order, note="Card payments were unavailable at checkout; stock returned.")
        raise
    order.payment_intent, order.client_secret = intent.id, intent.client_secret
    Order.objects.filter(pk=order.pk).update(payment_intent=intent.id, client_secret=intent.client_secret)
    return order


def _replayed(order: Order, fingerprint: str) -> Order:
    if fingerprint and order.request_fingerprint and fingerprint != order.request_fingerprint:
        raise IdempotencyKeyReused()
    if not order.payment_intent and order.status == Order.Status.PENDING_PAYMENT:
        raise IdempotentRequestInProgress()
    return order


@transaction.atomic
def _order_create(*, email, address, delivery_method, items, idempotency_key, fingerprint) -> Order:
    # Prices, sale status and stock as they are now, read inside the transaction.
    fresh = Publication.objects.in_bulk([publication.pk for publication, _ in items])
    items = sorted(((fresh[publication.pk], quantity) for publication, quantity in items), key=lambda item: item[0].pk)
    not_on_sale = [publication.isbn for publication, _ in items if not publication.on_sale]
    if not_on_sale:
        raise ValidationError({"items": [f"{isbn} is not on sale." for isbn in not_on_sale]})
    quote = order_quote(items=items, delivery_method=delivery_method)
    if quote.total < MINIMUM_CARD_PAYMENT:
        raise ValidationError({"items": [f"Card payments start at £{MINIMUM_CARD_PAYMENT}."]})

    order = Order.objects.create(
        email=email,
        delivery_method=delivery_method,
        subtotal=quote.subtotal,
        delivery=quote.delivery,
        vat=quote.vat,
        total=quote.total,
        currency=settings.SHOP_CURRENCY,
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
        expires_at=timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_MINUTES),
        **address,
    )
    for line in quote.lines:  # in publication order: every order locks rows in the same order
        catalogue_services.stock_adjust(
            publication=line.publication, delta=-line.quantity, reason=StockMovement.Reason.SALE, order_number=order.number
        )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order, publication=line.publication, isbn=line.publication.isbn, title=line.publication.title,
            quantity=line.quantity, unit_price=line.unit_price, line_total=line.line_total,
            vat_rate=line.publication.vat_rate, vat=line.vat,
        )  # fmt: skip
        for line in quote.lines
    )
    _record(order, Order.Status.PENDING_PAYMENT, note="Order placed")
    return order


@transaction.atomic
def order_cancel(*, order: Order, by=None, note: str = "") -> Order:
    """Cancel an unpaid order and return its copies to stock. The caller deals with Stripe first."""
    order = _locked(order)
    _transition(order, Order.Status.CANCELLED, by=by, note=note)
    for line in order.lines.select_related("publication").order_by("publication_id"):
        catalogue_services.stock_adjust(
            publication=line.publication, delta=line.quantity, reason=StockMovement.Reason.CANCELLATION,
            order_number=order.number, by=by,
        )  # fmt: skip
    return order


def order_pay(*, order: Order, payment_method: str) -> gateway.Intent:
    """Charge the card the reader entered (a Stripe PaymentMethod id) to the order's PaymentIntent.

    A success is applied at once; the webhook that follows then changes nothing."""
    if order.status != Order.Status.PENDING_PAYMENT:
        raise InvalidTransition(number=order.number, current=order.status, wanted=Order.Status.PAID)
    intent = gateway.payment_intent_pay(order.payment_intent, payment_method=payment_method)
    if intent.status == "succeeded":
        payment_succeeded(intent=intent, source="card confirmed at checkout")
    return intent


@transaction.atomic
def payment_succeeded(*, intent: gateway.Intent, source: str) -> Order | None:
    """Apply a succeeded PaymentIntent to its order: paid, if the amount and currency are the order's."""
    order = Order.objects.select_for_update().filter(payment_intent=intent.id).first()
    if order is None:
        log.warning("Payment %s succeeded for no known order (%s)", intent.id, intent.order_number)
        return None
    if order.status != Order.Status.PENDING_PAYMENT:
        return order  # already applied (a webhook after the checkout, or a replay)
    expected = (gateway.to_pence(order.total), order.currency.lower())
    if (intent.amount_pence, intent.currency.lower()) != expected:
        reason = (
            f"Stripe reports {intent.amount_pence} {intent.currency} paid on {intent.id}, "
            f"but the order is for {expected[0]} {expected[1]}: not marked paid."
        )
        log.error("Order %s: %s", order.number, reason)
        Order.objects.filter(pk=order.pk).update(needs_attention=True, attention_reason=reason)
        return order
    _transition(order, Order.Status.PAID, note=f"Payment {intent.id} ({source})")
    return order


def stripe_event_receive(event: dict) -> StripeEvent:
    """Store a verified Stripe event once and apply it in the same transaction: a replay finds it
    stored and changes nothing, and if applying fails nothing is stored, so Stripe sends it again."""
    with transaction.atomic():
        data = event["data"]["object"]
        stored, created = StripeEvent.objects.get_or_create(
            event_id=event["id"],
            defaults={
                "type": event["type"],
                "payload": event,
                "payment_intent": data.get("id", "") if data.get("object") == "payment_intent" else "",
            },
        )
        if not created:
            return stored
        stored.outcome = _apply(event["type"], data)
        stored.order = Order.objects.filter(payment_intent=stored.payment_intent).first() if stored.payment_intent else None
        stored.save(update_fields=["outcome", "order"])
        return stored


def _apply(event_type: str, data) -> str:
    if event_type == "payment_intent.succeeded":
        order = payment_succeeded(intent=gateway.Intent.from_stripe(data), source="webhook")
        return f"order {order.number} {order.status}" if order else "no order for this payment"
    if event_type == "payment_intent.payment_failed":
        # The order stays payable until it expires: the reader may try another card.
        error = (data.get("last_payment_error") or {}).get("message", "payment failed")
        return f"payment attempt failed: {error}"
    return "ignored"
