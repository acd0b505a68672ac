"""The orders' business errors."""

from shop.errors import ShopError


class InvalidTransition(ShopError):
    code = "invalid_transition"

    def __init__(self, *, number: str, current: str, wanted: str):
        super().__init__(f"Order {number} is {current} and cannot become {wanted}.", status=current, wanted=wanted)


class PaymentUnavailable(ShopError):
    code = "payment_unavailable"
    message = "Card payments are not available just now. Nothing has been charged; please try again in a few minutes."
    http_status = 503


class IdempotencyKeyReused(ShopError):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used for a different order."


class RefundRefused(ShopError):
    code = "refund_exceeds_payment"

    def __init__(self, *, amount: str, refundable: str):
        super().__init__(f"A refund of £{amount} is more than the £{refundable} still refundable.", amount=amount, refundable=refundable)


class RefundsChanged(ShopError):
    """The order was refunded again since the refund being confirmed was shown (a second click)."""

    code = "refunds_changed"

    def __init__(self, *, number: str):
        super().__init__(f"Order {number} has been refunded since this refund was shown: nothing more was refunded. Look again.", number=number)


class InvalidSignature(ShopError):
    code = "invalid_signature"
    message = "Signature verification failed."
    http_status = 400


class PaymentMethodRefused(ShopError):
    """Stripe does not know the card the page sent, or it cannot go on this payment."""

    code = "payment_method_refused"
    message = "This card could not be used for the payment. Nothing has been charged; please enter it again."
    http_status = 400


class HoldLimitReached(ShopError):
    """Unpaid orders from this address, or to this email, already hold as many copies as one buyer may."""

    code = "hold_limit_reached"

    def __init__(self, *, by: str, held: int, limit: int):
        super().__init__(
            f"Unpaid orders from this {by} already hold {held} copies; one buyer may hold {limit} at once. "
            "Pay for them, or wait until they expire, then order again.",
            by=by, held=held, limit=limit,
        )  # fmt: skip


class RefundDeclined(ShopError):
    """Stripe answered, and refused: the payment cannot be refunded as asked (say, it failed or was disputed)."""

    code = "refund_declined"

    def __init__(self, *, reason: str):
        super().__init__(f"Stripe refused the refund: {reason} The refund waits, and the order is flagged.", reason=reason)


class AddressLocked(ShopError):
    """The warehouse has the order (or is being sent it): its address can no longer be corrected here."""

    code = "address_locked"

    def __init__(self, *, number: str, why: str):
        super().__init__(f"Order {number}'s address cannot be corrected: {why}", number=number)


class NotConfirmed(ShopError):
    """A confirmation can be sent again only for an order that was paid (and so confirmed once)."""

    code = "not_confirmed"

    def __init__(self, *, number: str):
        super().__init__(f"Order {number} was never paid, so it has no confirmation to send again.", number=number)
