"""The orders' writes: one function per business action, each in one transaction.

Stripe is called only outside transactions and row locks (orders.gateway); stock moves only
through catalogue.services (stock_adjust, or stock_adjust_together for an order's titles),
locked in publication order so that two orders for the same publications never deadlock.
"""

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from catalogue import selectors as catalogue_selectors
from catalogue import services as catalogue_services
from catalogue.errors import InsufficientStock
from catalogue.models import Publication, StockMovement
from shop import logs, rows

from . import disputes, gateway, outbox, receipts, refunds, rules, selectors, warehouse
from .errors import (
    AddressLocked,
    HoldLimitReached,
    IdempotencyKeyReused,
    InvalidTransition,
    NotConfirmed,
    PaymentUnavailable,
    RefundDeclined,
    RefundsChanged,
)
from .models import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderNote,
    OrderStatusChange,
    OutboxEntry,
    Payment,
    Refund,
    RefundLine,
    StripeEvent,
)  # fmt: skip
from .money import money, vat_within

log = logging.getLogger(__name__)


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
        line_total = money(publication.price * quantity)
        lines.append(QuoteLine(publication, quantity, publication.price, line_total, vat_within(line_total, publication.vat_rate)))
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    delivery = delivery_method.charge_for(subtotal)
    vat = sum((line.vat for line in lines), Decimal("0.00")) + vat_within(delivery, delivery_method.vat_rate)
    return Quote(lines, subtotal, delivery, vat, subtotal + delivery)


def _record(order: Order, to_status: str, *, by=None, note: str = "", from_status: str = "") -> OrderStatusChange:
    return OrderStatusChange.objects.create(order=order, from_status=from_status, to_status=to_status, changed_by=by, note=note)


# What the outside world is owed when an order enters a status.
OWED_ON = {
    Order.Status.PAID: [OutboxEntry.Kind.CONFIRMATION, OutboxEntry.Kind.FULFILMENT],
    Order.Status.DISPATCHED: [OutboxEntry.Kind.DISPATCH],
}


def _transition(order: Order, to_status: str, *, by=None, note: str = "", also: tuple[str, ...] = ()) -> None:
    """Move a locked order along Order.TRANSITIONS, stamping the time, recording the change and
    owing its emails and warehouse request (the outbox, in the same transaction). `also`: other
    fields of the order set by the caller, saved with its status."""
    if not order.can_become(to_status):
        raise InvalidTransition(number=order.number, current=order.status, wanted=to_status)
    from_status, order.status = order.status, to_status
    update_fields = ["status", *also]
    timestamp = Order.STATUS_TIMESTAMPS.get(to_status)
    if timestamp:
        setattr(order, timestamp, timezone.now())
        update_fields.append(timestamp)
    order.save(update_fields=update_fields)
    _record(order, to_status, by=by, note=note, from_status=from_status)
    log.info("Order %s %s -> %s%s", order.number, from_status, to_status, f": {note}" if note else "")
    for kind in OWED_ON.get(to_status, []):
        outbox.owe(order, kind)


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)




def request_fingerprint(data) -> str:
    """What a request asked for, to tell a retry (the same) from another request reusing its key."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def order_place(
    *,
    email: str,
    address: dict,
    delivery_method: DeliveryMethod,
    items: list[tuple[Publication, int]],
    idempotency_key: str | None = None,
    fingerprint: str = "",
    client_address: str = "",
    bulk: bool = False,
) -> Order:
    """Reserve the stock, snapshot the prices and create the order, then its PaymentIntent.

    With an idempotency key, a repeated request returns the order the first one placed. What
    an unpaid order may hold follows the hold policy (README, "Holding copies"): an ordinary
    order holds at most ORDER_MAX_COPIES; one buyer (address or email) at most
    HOLD_MAX_COPIES_PER_BUYER across their unpaid orders; all unpaid orders together at most
    HOLD_MAX_SHARE of a title. A bulk order, or one for a title already mostly held, is placed
    without holding copies: they are reserved when it is paid."""
    if idempotency_key and len(idempotency_key) <= rules.IDEMPOTENCY_KEY_LENGTH:
        # A retry returns the order its first request placed, whatever has changed since
        # (a title withdrawn, a limit lowered).
        existing = Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return _replayed(existing, fingerprint)
    address = rules.order_check(
        email=email, address=address, delivery_method=delivery_method, items=items, bulk=bulk, idempotency_key=idempotency_key
    )  # fmt: skip
    try:
        order = _order_create(
            email=email, address=address, delivery_method=delivery_method, items=items,
            idempotency_key=idempotency_key, fingerprint=fingerprint, placed_from=_address_key(client_address), bulk=bulk,
        )  # fmt: skip
        logs.set_order(order.number)  # the rest of this request is about it
    except IntegrityError:
        existing = Order.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return _replayed(existing, fingerprint)

    try:
        return _with_payment_intent(order)
    except PaymentUnavailable:
        order_cancel(order=order, note="Card payments were unavailable at checkout; stock returned.")
        raise


def _with_payment_intent(order: Order) -> Order:
    """Create the order's first PaymentIntent; Stripe's idempotency key (order-{number}-1)
    makes a second call (a retried request) return the same one."""
    intent = gateway.payment_intent_create(order_number=order.number, amount=order.total, currency=order.currency)
    _payment_record(order, 1, intent)
    order.payment_intent, order.client_secret = intent.id, intent.client_secret
    return order


def _payment_record(order: Order, attempt: int, intent: gateway.Intent, *, replacing: str = "") -> None:
    """The order's PaymentIntent for `attempt`, unless a retry of the same request stored it
    first (the same one: Stripe's idempotency key): one INSERT, no read before it; and the
    order pointed at it (if `replacing`, only while that is still the order's), committed
    together: each commit waits for the disk."""
    orders = Order.objects.filter(pk=order.pk, **({"payment_intent": replacing} if replacing else {}))
    with transaction.atomic():
        Payment.objects.bulk_create([Payment(order=order, attempt=attempt, payment_intent=intent.id)], ignore_conflicts=True)
        orders.update(payment_intent=intent.id, client_secret=intent.client_secret)


@logs.about_order
def payment_intent_replace(*, order: Order, declined: gateway.Intent) -> Order:
    """After a declined card, a new PaymentIntent for the same order, so that the reader can try
    another card (Stripe cannot take one on a declined PaymentIntent).

    The declined one is cancelled first, and only once Stripe confirms it is cancelled is the
    next made, so at most one of an order's PaymentIntents can ever be paid. The next one's
    idempotency key, order-{number}-{attempt}, makes two readers' tabs retrying at once get the
    same PaymentIntent. Stripe calls hold no lock."""
    current = Order.objects.values_list("payment_intent", flat=True).get(pk=order.pk)
    if current != declined.id:
        return Order.objects.get(pk=order.pk)  # replaced already (the other tab)
    cancelled = gateway.payment_intent_cancel(declined.id)
    if cancelled.status == "succeeded":  # paid after all (a bank's late answer): nothing to replace
        payment_succeeded(intent=cancelled, source="found when replacing a declined payment")
        return Order.objects.get(pk=order.pk)
    if cancelled.status != "canceled":
        return Order.objects.get(pk=order.pk)  # still being decided: the reader tries again later
    attempt = Payment.objects.filter(order=order, payment_intent=declined.id).values_list("attempt", flat=True).first() or 1
    intent = gateway.payment_intent_create(
        order_number=order.number, amount=order.total, currency=order.currency, attempt=attempt + 1
    )  # fmt: skip
    _payment_record(order, attempt + 1, intent, replacing=declined.id)
    log.info("Card declined on %s; the next card goes to %s (attempt %s)", declined.id, intent.id, attempt + 1)
    return Order.objects.get(pk=order.pk)


def _replayed(order: Order, fingerprint: str) -> Order:
    if fingerprint and order.request_fingerprint and fingerprint != order.request_fingerprint:
        raise IdempotencyKeyReused()
    if not order.payment_intent and order.status == Order.Status.PENDING_PAYMENT:
        # The first request stopped between placing the order and its PaymentIntent (or is
        # still creating it): finish the job; Stripe answers both with the same PaymentIntent.
        return _with_payment_intent(order)
    return order


def _address_key(client_address: str) -> str:
    """A keyed hash of the client's address: an address's unpaid orders can be counted, and the
    database holds no address."""
    if not client_address:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), client_address.encode(), hashlib.sha256).hexdigest()


def _holds_copies(*, email: str, placed_from: str, items, bulk: bool) -> bool:
    """Whether a new order may hold its copies now (the hold policy), or raises HoldLimitReached
    when this buyer already holds what one buyer may.

    One query sums the copies this buyer's unpaid orders hold, by address and by email
    (selectors.copies_held); each title's are on its row, read under its lock (Publication.held)."""
    if bulk:
        return False
    by_address, by_email = selectors.copies_held(placed_from=placed_from, email=email, title=items[0][0].pk)
    buyers = {"address": by_address, "email address": by_email}
    copies = sum(quantity for _, quantity in items)
    limit = settings.HOLD_MAX_COPIES_PER_BUYER
    for by, held in buyers.items():
        if held is not None and held + copies > limit:
            raise HoldLimitReached(by=by, held=held, limit=limit)
    for publication, quantity in items:
        share = max(1, int(settings.HOLD_MAX_SHARE * (publication.stock + publication.held)))
        if publication.held + quantity > share:
            return False
    return True


@transaction.atomic
def _order_create(*, email, address, delivery_method, items, idempotency_key, fingerprint, placed_from, bulk) -> Order:
    # Prices, sale status and stock as they are now, read inside the transaction under the
    # publications' locks (in pk order, as every order takes them), so that two orders placed
    # at once see each other's holds.
    fresh = {publication.pk: publication for publication in catalogue_selectors.publications_locked([p.pk for p, _ in items])}
    items = sorted(((fresh[publication.pk], quantity) for publication, quantity in items), key=lambda item: item[0].pk)
    if not_on_sale := rules.on_sale_errors(items):  # again, under the lock: a title may have just been withdrawn
        raise ValidationError({"items": not_on_sale})
    quote = order_quote(items=items, delivery_method=delivery_method)
    if too_little := rules.payment_error(quote.total):  # the quote's total: worked out under the lock
        raise ValidationError({"items": [too_little]})
    holds_stock = _holds_copies(email=email, placed_from=placed_from, items=items, bulk=bulk)
    if not holds_stock:  # reserved when paid; but what is not there now is not for sale now either
        for publication, quantity in items:
            if publication.stock < quantity:
                raise InsufficientStock(isbn=publication.isbn, available=publication.stock, requested=quantity)

    order = Order.objects.create(
        email=email,
        delivery_method=delivery_method,
        subtotal=quote.subtotal,
        delivery=quote.delivery,
        delivery_vat_rate=delivery_method.vat_rate,
        vat=quote.vat,
        total=quote.total,
        currency=settings.SHOP_CURRENCY,
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
        expires_at=timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_MINUTES),
        holds_stock=holds_stock,
        placed_from=placed_from,
        **address,
    )
    if holds_stock:
        catalogue_services.stock_adjust_together(
            changes=[(line.publication, -line.quantity) for line in quote.lines], reason=StockMovement.Reason.SALE, order_number=order.number,
            locked=True,  # read under their locks above
            held=True,
        )  # fmt: skip
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order, publication=line.publication, isbn=line.publication.isbn, title=line.publication.title,
            quantity=line.quantity, unit_price=line.unit_price, line_total=line.line_total,
            vat_rate=line.publication.vat_rate, vat=line.vat,
        )  # fmt: skip
        for line in quote.lines
    )
    placed = _record(order, Order.Status.PENDING_PAYMENT, note="Order placed" if holds_stock else "Order placed; copies reserved when paid")
    selectors.order_as_placed(order, lines=lines, history=[placed])
    return order


@logs.about_order
@transaction.atomic
def order_cancel(*, order: Order, by=None, note: str = "") -> Order:
    """Cancel an unpaid order and return its copies to stock. The caller deals with Stripe first."""
    order = _locked(order)
    _transition(order, Order.Status.CANCELLED, by=by, note=note)
    if order.holds_stock:
        catalogue_services.stock_adjust_together(
            changes=[(line.publication, line.quantity) for line in order.lines.select_related("publication")],
            reason=StockMovement.Reason.CANCELLATION, order_number=order.number, by=by, held=True,
        )  # fmt: skip
    return order


@logs.about_order
def order_pay(*, order: Order, payment_method: str) -> gateway.Intent:
    """Charge the card the reader entered (a Stripe PaymentMethod id) to the order's PaymentIntent.

    A success is applied at once; the webhook that follows then changes nothing."""
    if order.status != Order.Status.PENDING_PAYMENT:
        raise InvalidTransition(number=order.number, current=order.status, wanted=Order.Status.PAID)
    intent = gateway.payment_intent_pay(order.payment_intent, payment_method=payment_method)
    if intent.status == "succeeded":
        payment_succeeded(intent=intent, source="card confirmed at checkout")
    elif intent.status == "requires_payment_method" and intent.error:  # declined: the next card needs a new one
        payment_intent_replace(order=order, declined=intent)
    return intent


def payment_succeeded(*, intent: gateway.Intent, source: str) -> Order | None:
    """Apply a succeeded PaymentIntent to its order: paid, if the amount and currency are the
    order's, with its receipt naming the card and Stripe's fee and net recorded (both asked of
    Stripe here, before any lock, unless the order is paid already).

    A payment for an order that has meanwhile expired reserves its copies again; if they are
    gone, the payment is refunded once this transaction has committed."""
    return _payment_apply(intent=intent, source=source, facts=_facts_if_unpaid(intent))


@dataclass(frozen=True)
class PaymentFacts:
    """What Stripe says of a payment beyond the PaymentIntent: the card (for the receipt) and
    its balance transaction (the fee and net). Either may be unknown: the payment still applies."""

    card: gateway.Card | None = None
    balance: gateway.BalanceTransaction | None = None


def _facts_if_unpaid(intent: gateway.Intent) -> PaymentFacts:
    """Asked of Stripe outside any lock, and only for a payment whose order is not paid yet."""
    if not Order.objects.filter(payments__payment_intent=intent.id, paid_at__isnull=True).exists():
        return PaymentFacts()
    return PaymentFacts(card=receipts.card_of(intent), balance=_balance_of(gateway.charge_balance_transaction, intent.latest_charge))


def _balance_of(read, stripe_id: str) -> gateway.BalanceTransaction | None:
    """A charge's or refund's balance transaction, or None if Stripe cannot say now (the fee is
    then filled in from the payout that carries it)."""
    if not stripe_id:
        return None
    try:
        return read(stripe_id)
    except (PaymentUnavailable, gateway.StripeError) as error:
        log.warning("No balance transaction for %s yet (%s): its fee comes with its payout", stripe_id, error)
        return None


@transaction.atomic
def _payment_apply(*, intent: gateway.Intent, source: str, facts: PaymentFacts) -> Order | None:
    if intent.order_number:
        logs.set_order(intent.order_number)  # cleared by the request or task this runs in
    order = Order.objects.select_for_update().filter(payments__payment_intent=intent.id).first()
    if order is None:
        log.error("Payment %s succeeded for no known order (%s)", intent.id, intent.order_number)
        return None
    if order.paid_at and order.payment_intent != intent.id:
        # Another of the order's PaymentIntents paid it already: this money is not the shop's.
        outbox.flag(order, f"A second payment ({intent.id}) arrived for an order already paid by {order.payment_intent}: "
                            "refunded in full.")  # fmt: skip
        transaction.on_commit(lambda: _refund_duplicate(order, intent))
        return order
    if order.status not in (Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED) or order.paid_at:
        return order  # already applied (a webhook after the checkout, or a replay)
    if order.payment_intent != intent.id:  # an earlier attempt's: refunds go back to the card that paid
        order.payment_intent = intent.id
        order.save(update_fields=["payment_intent"])
    expected = (gateway.to_pence(order.total), order.currency.lower())
    if (intent.amount_pence, intent.currency.lower()) != expected:
        outbox.flag(order, f"Stripe reports {intent.amount_pence} {intent.currency} paid on {intent.id}, "
                            f"but the order is for {expected[0]} {expected[1]}: not marked paid.")  # fmt: skip
        return order
    if intent.latest_charge:
        order.stripe_charge = intent.latest_charge  # saved with the order's move to paid, or on its own below
    if order.status == Order.Status.PENDING_PAYMENT and order.holds_stock:
        _paid(order, note=f"Payment {intent.id} ({source})", facts=facts, also=("stripe_charge",))
        # Sold: no longer held by an unpaid order. Last, so the titles' rows stay locked only
        # until this commits.
        catalogue_services.holds_paid(copies=list(order.lines.values_list("publication_id", "quantity")))
        return order
    if intent.latest_charge:
        order.save(update_fields=["stripe_charge"])
    if order.refunds.exists():
        return order  # a late payment already being refunded
    # The copies are not held: an order that expired meanwhile, or one placed without a hold.
    why = "Paid after it expired" if order.status == Order.Status.CANCELLED else "Paid"
    try:
        with transaction.atomic():
            _reserve(order)
            Order.objects.filter(pk=order.pk).update(holds_stock=True)
            _paid(order, note=f"{why} ({source}); copies reserved", facts=facts)
    except InsufficientStock as shortage:
        if order.status == Order.Status.PENDING_PAYMENT:
            _transition(order, Order.Status.CANCELLED, note="Paid, but its copies were gone: refunded in full")
        outbox.flag(order, f"{why}, but only {shortage.details['available']} of {shortage.details['isbn']} "
                            "are left: the payment is refunded in full.")  # fmt: skip
        # Created under the order's lock, so a second event finds it; sent once committed.
        refund = Refund.objects.create(
            order=order, amount=order.total, reason=f"{why}; copies gone",
            message="Your payment reached us after the last copies had been sold, so we have refunded it in full.",
        )  # fmt: skip
        transaction.on_commit(lambda: _send_quietly(refund))
    return order


def _paid(order: Order, *, note: str, facts: PaymentFacts, also: tuple[str, ...] = ()) -> None:
    _transition(order, Order.Status.PAID, note=note, also=also)
    if facts.balance:
        stripe_money_record(order, facts.balance)
    receipts.receipt_issue(order=order, card=facts.card)


def stripe_money_record(target: Order | Refund, balance: gateway.BalanceTransaction) -> None:
    """Keep a payment's or refund's fee and net as Stripe's balance transaction gives them."""
    type(target).objects.filter(pk=target.pk).update(
        balance_transaction=balance.id, stripe_fee=balance.fee, stripe_net=balance.net
    )


def _refund_duplicate(order: Order, intent: gateway.Intent) -> None:
    """Give back a payment an order did not need, on its own PaymentIntent (the idempotency key
    makes a repeat harmless). Not one of the order's refunds: the order was paid once."""
    try:
        gateway.refund_create(intent_id=intent.id, amount=gateway.from_pence(intent.amount_pence), idempotency_key=f"duplicate-{intent.id}")
    except (PaymentUnavailable, RefundDeclined) as error:
        log.error("Order %s: the second payment %s is not refunded yet (%s); refund it in Stripe", order.number, intent.id, error.message)


def _reserve(order: Order) -> None:
    catalogue_services.stock_adjust_together(
        changes=[(line.publication, -line.quantity) for line in order.lines.select_related("publication")],
        reason=StockMovement.Reason.SALE, order_number=order.number,
    )  # fmt: skip


def _send_quietly(refund: Refund) -> None:
    try:
        refund_send(refund=refund)
    except (PaymentUnavailable, RefundDeclined) as error:  # left pending; beat asks again, staff are told
        log.warning("Refund %s on %s left pending: %s", refund.pk, refund.order.number, error.message)


@logs.about_order
def order_expire(*, order: Order) -> Order:
    """Cancel an order that was not paid in time (see order_cancel_unpaid)."""
    return order_cancel_unpaid(order=order, note=f"Not paid within {settings.ORDER_PAYMENT_MINUTES} minutes")


@logs.about_order
def order_cancel_unpaid(*, order: Order, by=None, note: str = "") -> Order:
    """Cancel an unpaid order: its PaymentIntent first (outside any lock), then the order,
    returning its stock. A payment that succeeded meanwhile wins instead. Stripe unavailable
    raises PaymentUnavailable and changes nothing."""
    if order.payment_intent:
        intent = gateway.payment_intent_cancel(order.payment_intent)
        if intent.status == "succeeded":
            return payment_succeeded(intent=intent, source="found when it was due to expire")
        if intent.status == "processing":
            return order  # the bank has not answered yet; look again next time
    with transaction.atomic():
        order = _locked(order)
        if order.status != Order.Status.PENDING_PAYMENT:
            return order
        return order_cancel(order=order, by=by, note=f"{note}; payment cancelled".lstrip("; "))


@logs.about_order
def payment_reconcile(*, order: Order) -> Order:
    """Ask Stripe about a pending order whose webhook may have been lost, and apply the answer."""
    intent = gateway.payment_intent_retrieve(order.payment_intent)
    if intent.status == "succeeded":
        return payment_succeeded(intent=intent, source="reconciliation") or order
    return order


# --- Refunds -----------------------------------------------------------------------------

REFUNDABLE = {
    Order.Status.PAID, Order.Status.FULFILMENT_REQUESTED, Order.Status.DISPATCHED, Order.Status.PARTIALLY_REFUNDED,
}  # fmt: skip


@logs.about_order
def order_refund(
    *, order: Order, quantities: dict[int, int] | None = None, delivery: bool = False, amount: Decimal | None = None,
    restock: bool = False, by=None, reason: str = "", message: str = "", refunds_seen: int | None = None,
) -> Refund:
    """Refund, through Stripe, chosen copies ({order line id: copies}) and with `delivery` the
    delivery, or a custom `amount` spread over what is left, or else everything left (see
    orders.refunds). `reason` is for staff; `message` goes to the reader in the refund email.
    `refunds_seen`, the number of refunds the order had when this one was shown to staff, makes
    a second click (or any refund in between) refuse with RefundsChanged instead of refunding
    again.

    Never more than was paid: what earlier refunds returned, or are still returning, is taken
    off first. If Stripe is unavailable the refund stays pending (PaymentUnavailable);
    refund_send sends it again with the same idempotency key."""
    refund = _refund_prepare(
        order=order, quantities=quantities, delivery=delivery, amount=amount, restock=restock, by=by, reason=reason,
        message=message, refunds_seen=refunds_seen,
    )  # fmt: skip
    return refund_send(refund=refund)


@transaction.atomic
def _refund_prepare(*, order, quantities, delivery, amount, restock, by, reason, message, refunds_seen) -> Refund:
    order = _locked(order)
    if order.status not in REFUNDABLE:
        raise InvalidTransition(number=order.number, current=order.status, wanted=Order.Status.REFUNDED)
    if refunds_seen is not None and order.refunds.count() != refunds_seen:
        raise RefundsChanged(number=order.number)
    plan = refunds.refund_plan(order, quantities=quantities, delivery=delivery, amount=amount)
    refund = Refund.objects.create(
        order=order, amount=plan.amount, restock=restock, created_by=by, reason=reason, message=message,
        delivery_amount=plan.delivery, delivery_vat=plan.delivery_vat,
    )  # fmt: skip
    RefundLine.objects.bulk_create(
        RefundLine(refund=refund, order_line=part.line, quantity=part.quantity, amount=part.amount, vat=part.vat) for part in plan.line_parts
    )
    return refund


def refund_send(*, refund: Refund) -> Refund:
    """Ask Stripe for the refund (idempotent by the refund's key), then record it."""
    if refund.status == Refund.Status.SUCCEEDED:
        return refund
    with logs.order_context(refund.order.number):
        try:
            stripe_refund_id = gateway.refund_create(
                intent_id=refund.order.payment_intent, amount=refund.amount, idempotency_key=f"refund-{refund.idempotency_key}"
            )
        except RefundDeclined as declined:
            with transaction.atomic():
                outbox.flag(refund.order, f"Refund of £{refund.amount} waits: {declined.message}")
            raise
        balance = _balance_of(gateway.refund_balance_transaction, stripe_refund_id)
        return _refund_complete(refund=refund, stripe_refund_id=stripe_refund_id, balance=balance)


@transaction.atomic
def _refund_complete(*, refund: Refund, stripe_refund_id: str, balance: gateway.BalanceTransaction | None = None) -> Refund:
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status == Refund.Status.SUCCEEDED:
        return refund
    order = _locked(refund.order)
    refund.status, refund.stripe_refund_id, refund.refunded_at = Refund.Status.SUCCEEDED, stripe_refund_id, timezone.now()
    refund.save(update_fields=["status", "stripe_refund_id", "refunded_at"])
    if balance:
        stripe_money_record(refund, balance)
    outbox.owe(order, OutboxEntry.Kind.REFUND, refund=refund)
    if refund.restock:
        for refund_line in refund.lines.filter(quantity__gt=0).select_related("order_line__publication").order_by("order_line__publication_id"):
            catalogue_services.stock_adjust(
                publication=refund_line.order_line.publication, delta=refund_line.quantity,
                reason=StockMovement.Reason.RETURN, order_number=order.number, by=refund.created_by,
            )  # fmt: skip
    if order.status in REFUNDABLE:
        refunded = order.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))["total"]
        status = Order.Status.REFUNDED if refunded >= order.total else Order.Status.PARTIALLY_REFUNDED
        told = "" if order.dispatched_at else warehouse.after_refund(order, refund)
        _transition(order, status, by=refund.created_by, note=f"Refunded £{refund.amount} ({refund.stripe_refund_id})" + (f"; {told}" if told else ""))
    receipts.credit_note_issue(refund=refund)  # last: the sequence's row stays locked until commit
    return refund


def stripe_event_receive(event: dict) -> StripeEvent:
    """Store a verified Stripe event once and apply it in the same transaction: a replay finds it
    stored and changes nothing, and if applying fails nothing is stored, so Stripe sends it again."""
    data = event["data"]["object"]
    logs.set_order((data.get("metadata") or {}).get("order_number", ""))  # cleared when the request ends
    facts = _facts_if_unpaid(gateway.Intent.from_stripe(data)) if event["type"] == "payment_intent.succeeded" else PaymentFacts()
    # A charge's refunds, asked of Stripe before any lock (the event may not list them).
    stripe_refunds = gateway.charge_refunds(_charge_of(event["type"], data)) if event["type"] in REFUND_EVENTS else []
    with transaction.atomic():
        stored, created = rows.insert_or_get(
            StripeEvent,
            event_id=event["id"],
            defaults={
                "type": event["type"],
                "payload": event,
                "payment_intent": data.get("id", "") if data.get("object") == "payment_intent" else "",
            },
        )
        if not created:
            return stored
        stored.outcome, order = _apply(event["type"], data, facts, stripe_refunds)
        if order is None and stored.payment_intent:
            order = Order.objects.filter(payments__payment_intent=stored.payment_intent).first()
        stored.order = order
        stored.save(update_fields=["outcome", "order"])
        if event["type"] in PAYOUT_SETTLED:
            transaction.on_commit(lambda: outbox.hand_over(PAYOUT_TASK, stored.pk))
        return stored


# A charge's refunds changed: refunded (charge.refunded), or one that was pending went through
# (charge.refund.updated, whose object is the refund).
REFUND_EVENTS = {"charge.refunded", "charge.refund.updated"}


def _charge_of(event_type: str, data: dict) -> str:
    charge = data.get("id") if event_type == "charge.refunded" else data.get("charge")
    return charge.get("id", "") if isinstance(charge, dict) else charge or ""


# Once Stripe has settled a payout it can list what the payout carried: the worker asks it
# (reports reconciles; orders only hands the event over, by task name).
PAYOUT_SETTLED = {"payout.reconciliation_completed"}
PAYOUT_TASK = "worker.tasks.reconcile_payout"


def _apply(event_type: str, data, facts: PaymentFacts, stripe_refunds: list) -> tuple[str, Order | None]:
    if event_type == "payment_intent.succeeded":
        order = _payment_apply(intent=gateway.Intent.from_stripe(data), source="webhook", facts=facts)
        return (f"order {order.number} {order.status}" if order else "no order for this payment"), order
    if event_type == "payment_intent.payment_failed":
        # The order stays payable until it expires: the reader may try another card.
        error = (data.get("last_payment_error") or {}).get("message", "payment failed")
        return f"payment attempt failed: {error}", None
    if event_type in REFUND_EVENTS:
        charge = {"id": _charge_of(event_type, data), "object": "charge", "payment_intent": data.get("payment_intent")}
        return _dashboard_refunds_apply(charge, stripe_refunds)
    if event_type.startswith("charge.dispute."):
        return disputes.dispute_apply(data)
    if event_type.startswith("payout."):
        return f"payout {data.get('id', '')} {data.get('status', '')}".strip(), None
    return "ignored", None


def _dashboard_refunds_apply(charge: dict, stripe_refunds: list[gateway.StripeRefund]) -> tuple[str, Order | None]:
    order = disputes.order_of_charge(charge)
    if order is None:
        return "no order for this charge", None
    found = disputes.dashboard_refunds(order, charge, stripe_refunds)
    for refund, stripe_refund in found:
        _refund_complete(refund=refund, stripe_refund_id=stripe_refund.id, balance=stripe_refund.balance)
    if not found:
        return "no refund the shop did not know of", order
    amounts = ", ".join(f"£{stripe_refund.amount} ({stripe_refund.id})" for _, stripe_refund in found)
    outbox.flag(order, f"Refunded in Stripe's dashboard, not through the shop: {amounts}. Recorded as refunds of the order "
                        "and the reader is emailed; check the warehouse and the stock.")  # fmt: skip
    return f"recorded {len(found)} refund(s) made in Stripe's dashboard", order


def order_attention_clear(*, orders, by) -> int:
    """Staff have dealt with what flagged these orders."""
    return orders.filter(needs_attention=True).update(needs_attention=False)


# --- Fulfilment ---------------------------------------------------------------------------


@transaction.atomic
def order_fulfilment_requested(*, entry: OutboxEntry, note: str = "") -> Order:
    """The warehouse accepted the request: the entry is sent and the order moves on, together
    (a partly refunded order keeps its status, and is stamped as with the warehouse)."""
    order = _locked(entry.order)
    # Withdrawn after this worker's lease ran out, while it was still sending: it went all the same.
    if not outbox.mark_sent(entry, unless_withdrawn=True):
        outbox.mark_sent(entry)
        outbox.flag(order, "The warehouse accepted the fulfilment request after it was withdrawn (a full refund or a "
                           "dispatch by hand): ask it not to send the parcel.")  # fmt: skip
    elif order.status == Order.Status.PAID:
        _transition(order, Order.Status.FULFILMENT_REQUESTED, note=note or "Sent to the warehouse")
    elif order.sent_to_warehouse_at is None:
        Order.objects.filter(pk=order.pk).update(sent_to_warehouse_at=timezone.now())
    return order


@logs.about_order
def order_dispatched(*, order: Order, carrier: str, tracking_number: str) -> Order:
    """The warehouse reports the parcel sent. A repeated report changes nothing."""
    return _dispatched(order=order, carrier=carrier, tracking_number=tracking_number)


@logs.about_order
def order_dispatch_by_hand(*, order: Order, carrier: str, tracking_number: str, by) -> Order:
    """Staff sent the parcel themselves: the order is dispatched as if the warehouse had reported
    it (the reader gets the same email), and the warehouse is told not to send it (withdrawn if
    not yet sent, else a cancellation)."""
    return _dispatched(order=order, carrier=carrier, tracking_number=tracking_number, by=by, by_hand=True)


@transaction.atomic
def _dispatched(*, order: Order, carrier: str, tracking_number: str, by=None, by_hand: bool = False) -> Order:
    order = _locked(order)
    if order.status == Order.Status.DISPATCHED and not by_hand:
        if order.carrier != carrier or order.tracking_number != tracking_number:
            if order.status_changes.filter(to_status=Order.Status.DISPATCHED, changed_by__isnull=False).exists():
                outbox.flag(order, f"The warehouse reports sending order {order.number} ({carrier} {tracking_number}), "
                                    "which staff had already sent by hand: two parcels may be on their way.")  # fmt: skip
        return order  # a repeated report changes nothing
    if not order.can_become(Order.Status.DISPATCHED):
        raise InvalidTransition(number=order.number, current=order.status, wanted=Order.Status.DISPATCHED)
    order.carrier, order.tracking_number = carrier, tracking_number
    order.save(update_fields=["carrier", "tracking_number"])
    note = f"{carrier} {tracking_number}".strip()
    if by_hand:
        told = warehouse.after_hand_dispatch(order)
        note = f"Sent by hand: {note}" + (f"; {told}" if told else "")
    _transition(order, Order.Status.DISPATCHED, by=by, note=note)
    return order


@logs.about_order
@transaction.atomic
def order_note_add(*, order: Order, text: str, by) -> OrderNote:
    return OrderNote.objects.create(order=order, text=text.strip(), created_by=by)


@logs.about_order
@transaction.atomic
def order_confirmation_resend(*, order: Order, by) -> OutboxEntry:
    """Send the reader the confirmation again (its own outbox entry, one per resend: check_books
    counts these apart from the one confirmation every paid order gets)."""
    order = _locked(order)
    if order.paid_at is None:
        raise NotConfirmed(number=order.number)
    OrderNote.objects.create(order=order, text=f"Confirmation sent again to {order.email}.", created_by=by)
    return outbox.owe(order, OutboxEntry.Kind.CONFIRMATION_RESEND, occasion=uuid.uuid4().hex[:12])


ADDRESS_FIELDS = ["name", "line1", "line2", "city", "postcode"]


@logs.about_order
@transaction.atomic
def order_address_correct(*, order: Order, address: dict, by) -> Order:
    """Correct the delivery address (not the country: delivery was charged for it) while the
    warehouse does not have the order; the old address is kept in a note on the timeline."""
    order = _locked(order)
    if order.status not in (Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED):
        raise AddressLocked(number=order.number, why=f"it is {order.get_status_display().lower()}.")
    request = OutboxEntry.objects.select_for_update().filter(order=order, kind=OutboxEntry.Kind.FULFILMENT).first()
    if request and not warehouse.never_left(request):
        raise AddressLocked(number=order.number, why="the warehouse has it, may have it, or is being sent it now.")
    before = _address_text(order)
    for field in ADDRESS_FIELDS:
        setattr(order, field, address[field])
    if _address_text(order) == before:
        return order
    order.save(update_fields=ADDRESS_FIELDS)
    OrderNote.objects.create(order=order, text=f"Delivery address corrected. It was: {before}.", created_by=by)
    return order


def _address_text(order: Order) -> str:
    return ", ".join(part for part in [*(getattr(order, field) for field in ADDRESS_FIELDS), order.country.name] if part)
