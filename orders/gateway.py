"""The one module that talks to Stripe (stripe-python); everything else calls these functions.

Amounts cross this boundary as integer pence. Stripe being down, slow or refusing our
request raises PaymentUnavailable; a declined card is an answer (Intent.error), not an error.
No function here may be called while the caller holds a database row lock.
"""

import logging
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from urllib.parse import urlsplit

import stripe
import urllib3
from django.conf import settings

# By name, once: stripe finds its classes through a module __getattr__ that imports their module
# again at every `stripe.PaymentIntent` (2% of placing an order's time).
from stripe import APIConnectionError, HTTPClient, PaymentIntent, StripeObject, Webhook

from .errors import InvalidSignature, PaymentMethodRefused, PaymentUnavailable, RefundDeclined

log = logging.getLogger(__name__)
UNAVAILABLE = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError, stripe.AuthenticationError)
# Any answer from Stripe that is not what was asked for (a refusal, a restricted key): callers
# that can do without the answer catch this, without importing stripe themselves.
StripeError = stripe.StripeError


def to_pence(amount: Decimal) -> int:
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of pence")
    return int(pence)


def from_pence(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


class Urllib3Client(HTTPClient):
    """stripe-python's calls made with urllib3 alone: its RequestsClient puts requests' sessions
    on top (merging each call's settings, reading the proxy settings from the environment again
    on every call), which doubled the CPU a call costs the shop: 0.67 ms against 0.34 ms a
    PaymentIntent created (bench/stripe_peer.py answering).

    Connections are kept and shared between threads (urllib3's pools are thread-safe). The
    environment's proxy for Stripe's address (HTTPS_PROXY, NO_PROXY) is read once, when the
    client is made. As RequestsClient does, a failed connection or a timeout may be retried
    (stripe.max_network_retries; Stripe's idempotency keys make a retry safe) and a certificate
    that does not verify is not."""

    name = "urllib3"

    def __init__(self, *, timeout: float, api_base: str):
        super().__init__()
        self.timeout, self.api_base = timeout, api_base
        options = {
            "timeout": urllib3.Timeout(total=timeout), "retries": False, "maxsize": 4,
            "cert_reqs": "CERT_REQUIRED", "ca_certs": stripe.ca_bundle_path,
        }  # fmt: skip
        stripe_at = urlsplit(api_base)
        proxy = urllib.request.getproxies().get(stripe_at.scheme)
        if proxy and not urllib.request.proxy_bypass(stripe_at.hostname or ""):
            self._pool = urllib3.ProxyManager(proxy, **options)
        else:
            self._pool = urllib3.PoolManager(**options)

    def request(self, method, url, headers, post_data=None):
        try:
            response = self._pool.request(method, url, headers=headers, body=post_data, redirect=False)
        except urllib3.exceptions.SSLError as error:
            raise APIConnectionError(f"Could not verify Stripe's certificate: {error}", should_retry=False) from error
        except (urllib3.exceptions.TimeoutError, urllib3.exceptions.ProtocolError, urllib3.exceptions.NewConnectionError) as error:
            raise APIConnectionError(f"Could not reach Stripe: {type(error).__name__}: {error}", should_retry=True) from error
        except urllib3.exceptions.HTTPError as error:
            raise APIConnectionError(f"Could not reach Stripe: {type(error).__name__}: {error}", should_retry=False) from error
        return response.data, response.status, response.headers

    def close(self):
        self._pool.clear()


def _configure() -> None:
    stripe.api_key = settings.STRIPE_SECRET_KEY
    stripe.api_base = settings.STRIPE_API_BASE
    stripe.max_network_retries = 1
    stripe.enable_telemetry = False
    timeout, api_base = settings.STRIPE_TIMEOUT_SECONDS, settings.STRIPE_API_BASE
    client = stripe.default_http_client
    if not isinstance(client, Urllib3Client) or (client.timeout, client.api_base) != (timeout, api_base):
        stripe.default_http_client = Urllib3Client(timeout=timeout, api_base=api_base)


@dataclass(frozen=True)
class Intent:
    """What the shop needs to know of a PaymentIntent."""

    id: str
    status: str
    amount_pence: int
    currency: str
    client_secret: str
    order_number: str
    latest_charge: str
    error: str  # why the last attempt failed, in words a reader understands
    payment_method: str = ""  # the card's PaymentMethod (or, in development, card_) id

    @classmethod
    def from_stripe(cls, intent) -> "Intent":
        """From a stripe PaymentIntent or the plain dict of one (a webhook's payload)."""
        if isinstance(intent, StripeObject):
            intent = intent.to_dict()
        last_error = intent.get("last_payment_error") or {}
        charge = intent.get("latest_charge") or ""
        method = intent.get("payment_method") or ""
        return cls(
            id=intent["id"],
            status=intent["status"],
            amount_pence=int(intent["amount"]),
            currency=intent["currency"],
            client_secret=intent.get("client_secret") or "",
            order_number=(intent.get("metadata") or {}).get("order_number", ""),
            latest_charge=charge if isinstance(charge, str) else charge.get("id", ""),
            error=last_error.get("message", ""),
            payment_method=method if isinstance(method, str) else method.get("id", ""),
        )


def _call(what: str, function, *args, **kwargs):
    _configure()
    try:
        return function(*args, **kwargs)
    except UNAVAILABLE as error:
        log.warning("Stripe unavailable (%s): %s", what, error)
        raise PaymentUnavailable() from error


def payment_intent_create(*, order_number: str, amount: Decimal, currency: str, attempt: int = 1) -> Intent:
    """A card PaymentIntent for an order's `attempt` (the first, or the one after a declined
    card); `order-{number}-{attempt}` as idempotency key makes a retry, or two at once, return
    the same PaymentIntent instead of a second one."""
    intent = _call(
        "create payment intent",
        PaymentIntent.create,
        amount=to_pence(amount),
        currency=currency.lower(),
        payment_method_types=["card"],
        metadata={"order_number": order_number, "attempt": str(attempt)},
        idempotency_key=f"order-{order_number}-{attempt}",
    )
    return Intent.from_stripe(intent)


def payment_intent_retrieve(intent_id: str) -> Intent:
    return Intent.from_stripe(_call("retrieve payment intent", PaymentIntent.retrieve, intent_id))


def payment_intent_pay(intent_id: str, *, payment_method: str) -> Intent:
    """Attach the card the reader entered and confirm. A declined card comes back with
    `error` set; a card that needs 3-D Secure comes back as `requires_action`."""
    try:
        _call("attach payment method", PaymentIntent.modify, intent_id, payment_method=payment_method)
    except stripe.InvalidRequestError as error:  # an unknown or unusable payment method id
        log.info("Payment method refused for %s: %s", intent_id, error.user_message)
        raise PaymentMethodRefused() from error
    try:
        intent = _call("confirm payment intent", PaymentIntent.confirm, intent_id)
    except stripe.CardError as error:
        log.info("Card declined for %s: %s", intent_id, error.user_message)
        return payment_intent_retrieve(intent_id)
    except stripe.InvalidRequestError as error:
        # Paid already (a second click), or the card could not be used at all.
        log.info("Payment intent %s not confirmable: %s", intent_id, error.user_message)
        intent = payment_intent_retrieve(intent_id)
        if intent.status in ("succeeded", "processing", "requires_action"):
            return intent
        raise PaymentMethodRefused() from error
    return Intent.from_stripe(intent)


def payment_intent_cancel(intent_id: str) -> Intent:
    """Cancel an unpaid PaymentIntent; one that has meanwhile succeeded is returned as it is."""
    try:
        return Intent.from_stripe(_call("cancel payment intent", PaymentIntent.cancel, intent_id))
    except stripe.InvalidRequestError:
        return payment_intent_retrieve(intent_id)


@dataclass(frozen=True)
class Card:
    brand: str  # as a receipt names it: "Visa", "Mastercard"
    last4: str


BRANDS = {"amex": "American Express", "diners": "Diners Club", "jcb": "JCB", "unionpay": "UnionPay", "mastercard": "Mastercard"}


def payment_method_card(payment_method: str) -> Card | None:
    """The brand and last four digits of the card behind a PaymentMethod; None for one that is
    not a card. A `pm_` id has them under `card`; a `card_` id (a Card, as development tokens
    give) at the top."""
    found = _call("retrieve payment method", stripe.PaymentMethod.retrieve, payment_method).to_dict()
    card = found.get("card") if isinstance(found.get("card"), dict) else found
    brand, last4 = card.get("brand") or "", card.get("last4") or ""
    if brand.lower() == "unknown":  # Stripe's word for a brand it cannot tell
        brand = ""
    if not (brand or last4):
        return None
    return Card(brand=BRANDS.get(brand.lower(), brand.title() if brand.islower() else brand), last4=last4)


def refund_create(*, intent_id: str, amount: Decimal, idempotency_key: str) -> str:
    """Refund part or all of a payment; the key also goes in the refund's metadata, so that the
    charge.refunded event that follows is known as the shop's own, not one made in the dashboard.
    (A refund first asked for before keys were sent is asked for again as it was then: Stripe
    refuses a key reused with other parameters.)"""
    asked = {"payment_intent": intent_id, "amount": to_pence(amount), "idempotency_key": idempotency_key}
    try:
        try:
            refund = _call("refund", stripe.Refund.create, **asked, metadata={"shop_refund": idempotency_key})
        except stripe.IdempotencyError:
            refund = _call("refund", stripe.Refund.create, **asked)
    except stripe.InvalidRequestError as error:  # Stripe answered: not this refund (a failed or disputed payment)
        raise RefundDeclined(reason=error.user_message or str(error)) from None
    return refund["id"]


@dataclass(frozen=True)
class BalanceTransaction:
    """Money as Stripe counts it: one movement on the shop's Stripe balance (a charge, a refund,
    a dispute, a fee...), its gross, Stripe's fee and the net, in pounds (negative going out)."""

    id: str
    type: str
    reporting_category: str
    source: str  # what moved the money: a charge (ch_), a refund (re_), a dispute (dp_)...
    created: datetime
    gross: Decimal
    fee: Decimal
    net: Decimal
    currency: str

    @classmethod
    def from_stripe(cls, found) -> "BalanceTransaction":
        found = found.to_dict() if isinstance(found, StripeObject) else found
        source = found.get("source") or ""
        amount = int(found["amount"])
        fee = int(found.get("fee") or 0)
        return cls(
            id=found["id"], type=found.get("type") or "", reporting_category=found.get("reporting_category") or found.get("type") or "",
            source=source if isinstance(source, str) else source.get("id", ""),
            created=datetime.fromtimestamp(int(found.get("created") or 0), tz=timezone.utc),
            gross=from_pence(amount), fee=from_pence(fee), net=from_pence(int(found.get("net", amount - fee))),
            currency=(found.get("currency") or "gbp").upper(),
        )  # fmt: skip


def _balance_transaction(of: str, found) -> BalanceTransaction | None:
    txn = found.get("balance_transaction") if found else None
    if not txn:
        return None
    if isinstance(txn, dict):
        return BalanceTransaction.from_stripe(txn)
    return BalanceTransaction.from_stripe(_call(f"retrieve balance transaction of {of}", stripe.BalanceTransaction.retrieve, txn))


def charge_balance_transaction(charge_id: str) -> BalanceTransaction | None:
    """What a charge came to on the balance (its fee and net); None if Stripe has not booked it yet."""
    return _balance_transaction(charge_id, _call("retrieve charge", stripe.Charge.retrieve, charge_id).to_dict())


def refund_balance_transaction(refund_id: str) -> BalanceTransaction | None:
    return _balance_transaction(refund_id, _call("retrieve refund", stripe.Refund.retrieve, refund_id).to_dict())


@dataclass(frozen=True)
class StripeRefund:
    id: str
    amount: Decimal
    status: str
    shop_refund: str  # the shop's idempotency key, for a refund the shop asked for
    balance: BalanceTransaction | None


def charge_refunds(charge_id: str) -> list[StripeRefund]:
    """Every refund of a charge, with its balance transaction (outside any lock)."""
    found = _call("list refunds", lambda: list(stripe.Refund.list(charge=charge_id, limit=100).auto_paging_iter()))
    refunds = []
    for refund in (each.to_dict() for each in found):
        refunds.append(StripeRefund(
            id=refund["id"], amount=from_pence(int(refund["amount"])), status=refund.get("status") or "",
            shop_refund=(refund.get("metadata") or {}).get("shop_refund", ""), balance=_balance_transaction(refund["id"], refund),
        ))  # fmt: skip
    return refunds


@dataclass(frozen=True)
class Payout:
    id: str
    amount: Decimal
    currency: str
    arrival_date: date
    status: str


def payout_retrieve(payout_id: str) -> Payout:
    found = _call("retrieve payout", stripe.Payout.retrieve, payout_id).to_dict()
    return Payout(
        id=found["id"], amount=from_pence(int(found["amount"])), currency=(found.get("currency") or "gbp").upper(),
        arrival_date=datetime.fromtimestamp(int(found["arrival_date"]), tz=timezone.utc).date(), status=found.get("status") or "",
    )  # fmt: skip


def payout_balance_transactions(payout_id: str) -> list[BalanceTransaction]:
    """Every balance transaction a payout carried (Stripe lists them only once it has settled:
    payout.reconciliation_completed), page after page, the payout's own one left out."""

    def every_page():
        return list(stripe.BalanceTransaction.list(payout=payout_id, limit=100).auto_paging_iter())

    found = [txn.to_dict() for txn in _call("list a payout's balance transactions", every_page)]
    return [BalanceTransaction.from_stripe(txn) for txn in found if txn.get("type") != "payout"]


def webhook_event(payload: bytes, signature: str) -> dict:
    """The verified event as a plain dict; InvalidSignature for anything unsigned, forged, too old or not JSON."""
    try:
        event = Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise InvalidSignature(str(error)) from None
    return event.to_dict(for_json=True)
