"""Orders and their invariants: delivery rates, order lines with price snapshots, the status
history, and the Stripe events received.

Status changes only through orders.services, along the transitions in Order.TRANSITIONS,
and each one is recorded with its time in OrderStatusChange.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django_countries.fields import CountryField

from catalogue.isbn import hyphenate
from catalogue.models import Publication

from . import money

MONEY = {"max_digits": 10, "decimal_places": 2}
# Order numbers are read out on the phone: no 0/O, 1/I/L, 5/S, 2/Z.
NUMBER_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


def new_order_number() -> str:
    code = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"PS-{code[:4]}-{code[4:]}"


def new_order_token() -> str:
    return secrets.token_urlsafe(24)


class DeliveryZone(models.Model):
    """Where a set of delivery methods applies: a list of countries, or the rest of the world."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    countries = CountryField(multiple=True, blank=True)
    rest_of_world = models.BooleanField(
        default=False, help_text="Covers every country that no other zone lists (one zone at most)."
    )

    class Meta:
        ordering = ["rest_of_world", "name"]
        constraints = [
            models.UniqueConstraint(fields=["rest_of_world"], condition=Q(rest_of_world=True), name="one_rest_of_world_zone")
        ]

    def __str__(self):
        return self.name


class DeliveryMethod(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    zone = models.ForeignKey(DeliveryZone, on_delete=models.PROTECT, related_name="methods")
    price = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    free_over = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Orders whose items come to at least this much travel free."
    )
    vat_rate = models.DecimalField(
        "VAT rate", max_digits=4, decimal_places=3, default=Decimal("0"),
        help_text="Fraction of the net charge; delivery of zero-rated books is zero-rated too.",
    )  # fmt: skip
    estimate = models.CharField(max_length=100, blank=True, help_text="e.g. 2-4 working days")
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["zone", "position", "price"]

    def __str__(self):
        return f"{self.name} ({self.zone})"

    def charge_for(self, subtotal: Decimal) -> Decimal:
        if self.free_over is not None and subtotal >= self.free_over:
            return Decimal("0.00")
        return self.price


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        FULFILMENT_REQUESTED = "fulfilment_requested", "Sent to the warehouse"
        DISPATCHED = "dispatched", "Dispatched"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"

    TRANSITIONS = {
        Status.PENDING_PAYMENT: {Status.PAID, Status.CANCELLED},
        # A dispatch report can arrive before the request's own success is recorded.
        Status.PAID: {Status.FULFILMENT_REQUESTED, Status.DISPATCHED, Status.REFUNDED, Status.PARTIALLY_REFUNDED},
        Status.FULFILMENT_REQUESTED: {Status.DISPATCHED, Status.REFUNDED, Status.PARTIALLY_REFUNDED},
        Status.DISPATCHED: {Status.REFUNDED, Status.PARTIALLY_REFUNDED},
        Status.PARTIALLY_REFUNDED: {Status.REFUNDED, Status.PARTIALLY_REFUNDED, Status.FULFILMENT_REQUESTED, Status.DISPATCHED},
        # A payment that arrives after the order expired: the copies are reserved again.
        Status.CANCELLED: {Status.PAID},
        Status.REFUNDED: set(),
    }
    # The timestamp a status sets when the order enters it.
    STATUS_TIMESTAMPS = {
        Status.PAID: "paid_at", Status.CANCELLED: "cancelled_at", Status.DISPATCHED: "dispatched_at",
        Status.FULFILMENT_REQUESTED: "sent_to_warehouse_at",
    }  # fmt: skip

    number = models.CharField(max_length=16, unique=True, default=new_order_number, editable=False)
    token = models.CharField(max_length=64, default=new_order_token, editable=False)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PENDING_PAYMENT, db_index=True)

    email = models.EmailField()
    name = models.CharField("recipient", max_length=150)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=20, blank=True)
    country = CountryField()
    delivery_method = models.ForeignKey(DeliveryMethod, on_delete=models.PROTECT, related_name="orders")

    subtotal = models.DecimalField(**MONEY)
    delivery = models.DecimalField(**MONEY)
    delivery_vat_rate = models.DecimalField(
        "delivery VAT rate", max_digits=4, decimal_places=3, default=Decimal("0"), db_default=Decimal("0"),
        help_text="The delivery method's rate when the order was placed (as each line keeps its own).",
    )  # fmt: skip
    vat = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="GBP")

    payment_intent = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_charge = models.CharField("Stripe charge", max_length=64, blank=True)
    client_secret = models.CharField(max_length=128, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    # Whether the order's copies are taken out of stock: from placing on, within the hold policy
    # (services.order_place); otherwise only once it is paid (a bulk order, a title mostly held).
    holds_stock = models.BooleanField(default=True, db_default=True)
    # Who placed it, as a keyed hash of the client's address: enough to count an address's holds.
    placed_from = models.CharField(max_length=64, blank=True, db_index=True, db_default="")

    # Money as Stripe counts it for the payment that paid the order (its balance transaction,
    # read when the payment is applied, or from the payout that carried it).
    balance_transaction = models.CharField(max_length=64, blank=True, db_default="")
    stripe_fee = models.DecimalField("Stripe fee", **MONEY, null=True, blank=True)
    stripe_net = models.DecimalField("net of Stripe's fee", **MONEY, null=True, blank=True)

    needs_attention = models.BooleanField(default=False, db_index=True)
    attention_reason = models.TextField(blank=True)

    placed_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sent_to_warehouse_at = models.DateTimeField("sent to the warehouse", null=True, blank=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total=models.F("subtotal") + models.F("delivery")), name="order_total_is_subtotal_plus_delivery"),
        ]
        # A buyer's orders by email, case aside: the copies their unpaid orders hold
        # (selectors.copies_held), read on every order placed.
        indexes = [models.Index(Upper("email"), name="order_email_case_blind")]
        permissions = [("export_finance_reports", "Can export finance reports")]

    def __str__(self):
        return self.number

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    def vat_by_rate(self) -> list[dict]:
        """VAT as a receipt shows it: for each rate, the gross, the net and the VAT, delivery
        included (at its method's rate). Reads the prefetched lines."""
        parts = [(line.vat_rate, line.line_total, line.vat) for line in self.lines.all()]
        delivery_vat = self.vat - sum((line.vat for line in self.lines.all()), Decimal("0.00"))
        if self.delivery or delivery_vat:
            parts.append((self.delivery_vat_rate, self.delivery, delivery_vat))
        return money.vat_by_rate(parts)


class OrderLine(models.Model):
    """A publication in an order, with its price as it was when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="order_lines")
    isbn = models.CharField("ISBN", max_length=13)
    title = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])  # how many at most: orders/rules.py
    unit_price = models.DecimalField(**MONEY)
    line_total = models.DecimalField(**MONEY)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=3)
    vat = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "publication"], name="one_line_per_publication"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.title}"

    @property
    def isbn_display(self) -> str:
        return hyphenate(self.isbn)


class OrderStatusChange(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{Order.Status(self.from_status).label if self.from_status else 'Placed'} → {self.to_label}"

    @property
    def to_label(self) -> str:
        return Order.Status(self.to_status).label


class StripeEvent(models.Model):
    """Each Stripe event once: a replayed event finds its id here and changes nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payment_intent = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_charge = models.CharField("Stripe charge", max_length=64, blank=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="stripe_events")
    outcome = models.CharField(max_length=255, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class Payment(models.Model):
    """One PaymentIntent of an order: the first, and one more after each declined card (Stripe
    cannot take a second card on a declined one). Only the newest can be paid: each earlier one
    was cancelled, and Stripe confirmed it, before the next was made."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    attempt = models.PositiveSmallIntegerField()
    payment_intent = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attempt"]
        constraints = [models.UniqueConstraint(fields=["order", "attempt"], name="one_payment_intent_per_attempt")]

    def __str__(self):
        return f"{self.payment_intent} (attempt {self.attempt}) for {self.order}"


class Refund(models.Model):
    """Money returned to the reader through Stripe; created before Stripe is asked, so a failed
    attempt is retried with the same idempotency key and can never refund twice."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for Stripe"
        SUCCEEDED = "succeeded", "Refunded"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(max_length=255, blank=True, help_text="Why, for staff and finance; never sent to the reader.")
    message = models.TextField(
        "message to the reader", blank=True, db_default="", help_text="Put in the refund email, as a message from the shop."
    )
    # What of the amount is delivery (the rest is in the lines), and the VAT in it: each part's
    # VAT is stored when the refund is made, so credit notes and reports read it back.
    delivery_amount = models.DecimalField(**MONEY, default=Decimal("0.00"), db_default=Decimal("0.00"))
    delivery_vat = models.DecimalField("delivery VAT", **MONEY, default=Decimal("0.00"), db_default=Decimal("0.00"))
    restock = models.BooleanField(default=False, help_text="The copies came back and returned to stock.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    stripe_refund_id = models.CharField(max_length=64, blank=True)
    # As Stripe counts it: its balance transaction (negative amounts: money going out).
    balance_transaction = models.CharField(max_length=64, blank=True, db_default="")
    stripe_fee = models.DecimalField("Stripe fee", **MONEY, null=True, blank=True)
    stripe_net = models.DecimalField("net of Stripe's fee", **MONEY, null=True, blank=True)
    in_dashboard = models.BooleanField(
        "made in Stripe's dashboard", default=False, db_default=False, help_text="Not asked for by the shop: found in a charge.refunded event."
    )  # fmt: skip
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_order_token, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stripe_refund_id"], condition=~Q(stripe_refund_id=""), name="one_refund_per_stripe_refund"),
        ]

    def __str__(self):
        return f"£{self.amount} on {self.order}"


class Dispute(models.Model):
    """A reader's bank disputing the payment (a chargeback), as Stripe's charge.dispute.* events
    tell it: the order is flagged and its fulfilment request held until it is won."""

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs a response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry: under review"
        WARNING_CLOSED = "warning_closed", "Inquiry closed"
        NEEDS_RESPONSE = "needs_response", "Needs a response"
        UNDER_REVIEW = "under_review", "Under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    CLOSED = {Status.WARNING_CLOSED, Status.WON, Status.LOST}

    stripe_id = models.CharField("Stripe dispute", max_length=64, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices)
    # What Stripe took or gave back for it (the disputed amount and its fee), from its balance transactions.
    fee = models.DecimalField("dispute fee", **MONEY, default=Decimal("0.00"))
    withdrawn = models.DecimalField("taken from the balance", **MONEY, default=Decimal("0.00"))
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]

    def __str__(self):
        return f"Dispute {self.stripe_id} on {self.order} ({self.get_status_display()})"


class RefundLine(models.Model):
    """What a refund returns of an order line: copies at their price, or (a custom amount
    spread over the order) part of the line's price with no copies."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField(help_text="Copies refunded; 0 for part of the price without copies.")
    amount = models.DecimalField(**MONEY)
    vat = models.DecimalField("VAT", **MONEY, default=Decimal("0.00"), db_default=Decimal("0.00"))

    def __str__(self):
        return f"{self.quantity} × {self.order_line.title}"


class OutboxEntry(models.Model):
    """Work owed to the outside world because an order changed: written in the same transaction
    as the change, so it survives a crash between commit and enqueue; the worker drains it.

    A worker claims an entry by leasing it (a conditional UPDATE), sends without holding any
    lock, then marks it sent. One entry per `key`, so one confirmation per order however often
    the task runs."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Order confirmation email"
        FULFILMENT = "fulfilment", "Fulfilment request to the warehouse"
        DISPATCH = "dispatch", "Dispatch email with tracking"
        REFUND = "refund", "Refund email"
        STAFF_ALERT = "staff_alert", "Alert to staff"
        CONFIRMATION_RESEND = "confirmation_resend", "Order confirmation email, sent again"
        WAREHOUSE_CANCEL = "cancel", "Cancellation to the warehouse"
        WAREHOUSE_AMEND = "amend", "Amendment to the warehouse"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed: needs staff"
        WITHDRAWN = "withdrawn", "Withdrawn: no longer needed"
        HELD = "held", "Held: the payment is disputed"

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="outbox")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When it was sent (or, withdrawn, when it was withdrawn).")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "outbox"

    def __str__(self):
        return f"{self.get_kind_display()} for {self.order}"


class OrderNote(models.Model):
    """Something staff wrote on an order's timeline (a call from the reader, a corrected address)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Note on {self.order} by {self.created_by or 'the shop'}"


class OrderLinksRequest(models.Model):
    """A reader asked for links to their orders ("Find my orders"): a row for every request,
    whether or not the address has orders, so that the page does the same work for both. A
    worker sends the email (if there is anything to send) and deletes the row; a failed send is
    retried with the outbox's backoff, and beat's sweep hands over any the broker lost."""

    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Order links for {self.email}"


class DocumentSequence(models.Model):
    """The last number given out of a gapless sequence (receipts, credit notes). Taken by an
    UPDATE in the transaction that issues the document: the row stays locked until it commits,
    and a rollback gives the number back, so the numbers run on without gaps."""

    name = models.CharField(max_length=30, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.last}"


class IssuedDocument(models.Model):
    """A VAT document as it was issued: its number and date, and who sold, as they were then.
    Nothing here changes afterwards; the order's lines are price snapshots already."""

    number = models.PositiveIntegerField(unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    seller_name = models.CharField(max_length=150)
    seller_address = models.TextField(blank=True, help_text="One line of the postal address a line.")
    seller_vat_number = models.CharField("seller VAT number", max_length=30, blank=True)
    sold_to = models.TextField(help_text="The reader's name and address, a line each.")
    card_brand = models.CharField(max_length=30, blank=True)
    card_last4 = models.CharField("card's last four digits", max_length=4, blank=True)

    PREFIX = ""

    class Meta:
        abstract = True
        ordering = ["number"]

    def __str__(self):
        return self.code

    @property
    def code(self) -> str:
        return self.code_for(self.number)

    @classmethod
    def code_for(cls, number: int | None) -> str:
        """How the document numbered `number` is named ("R-000042"); "" for none."""
        return f"{cls.PREFIX}-{number:06d}" if number else ""

    @property
    def card(self) -> str:
        """"Visa ending 4242", or "Card" when Stripe could not say which."""
        if self.card_last4:
            return f"{self.card_brand or 'Card'} ending {self.card_last4}"
        return self.card_brand or "Card"


class Receipt(IssuedDocument):
    """The VAT receipt of a paid order, numbered when the payment is applied."""

    PREFIX = "R"
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="receipt")
    payment_intent = models.CharField(max_length=64, blank=True)
    delivery_name = models.CharField("delivery method", max_length=100, blank=True, help_text="As it was named then.")

    class Meta(IssuedDocument.Meta):
        pass


class CreditNote(IssuedDocument):
    """A refund's own VAT document, citing the receipt it reduces; numbered when Stripe confirms
    the refund. The card is the receipt's: refunds go back to the card that paid."""

    PREFIX = "CN"
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="credit_note")
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="credit_notes")

    class Meta(IssuedDocument.Meta):
        pass
