"""The books: stock, orders and what the workers owe, checked against each other.

Used by `manage.py check_books` (staff, after an incident) and by bench/load.py at the end of a
load run or a fault drill. Each check reads the database only; a problem names what is wrong.
Things still in progress are not problems until they are older than `grace`: an order may wait
for its payment until it expires, and a paid order for its emails for a little while.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalogue.models import Publication, StockMovement

from .models import CreditNote, DocumentSequence, Order, OrderLine, OrderStatusChange, OutboxEntry, Receipt, Refund
from .selectors import held_by_unpaid_orders

# Orders whose copies left stock (a cancelled order gave them back; a refund's restock is a return).
HOLDS_STOCK = {
    Order.Status.PENDING_PAYMENT,
    Order.Status.PAID,
    Order.Status.FULFILMENT_REQUESTED,
    Order.Status.DISPATCHED,
    Order.Status.REFUNDED,
    Order.Status.PARTIALLY_REFUNDED,
}


@dataclass(frozen=True)
class Problem:
    check: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.subject}: {self.detail}"


@dataclass
class Books:
    publications: int
    orders: int
    paid_orders: int
    problems: list[Problem]
    confirmations_resent: int = 0  # at staff's request: not counted among the one each paid order gets

    @property
    def balanced(self) -> bool:
        return not self.problems


def books_check(*, grace: timedelta = timedelta(minutes=10)) -> Books:
    now = timezone.now()
    problems = [
        *_stock_matches_ledger(),
        *_orders_hold_their_copies(),
        *_titles_count_what_unpaid_orders_hold(),
        *_owed_messages_sent(now - grace),
        *_nothing_stuck(now - grace),
        *_documents_issued(),
    ]
    return Books(
        publications=Publication.objects.count(),
        orders=Order.objects.count(),
        paid_orders=_ever_paid().count(),
        problems=problems,
        confirmations_resent=OutboxEntry.objects.filter(
            kind=OutboxEntry.Kind.CONFIRMATION_RESEND, status=OutboxEntry.Status.SENT
        ).count(),
    )


def _ever_paid():
    return OrderStatusChange.objects.filter(to_status=Order.Status.PAID).values("order").distinct()


def _documents_issued():
    """A receipt for each order paid, a credit note for each refund of one, and each kind
    numbered 1, 2, 3... up to where its sequence stands, with no gap."""
    for number in Order.objects.filter(paid_at__isnull=False, receipt__isnull=True).values_list("number", flat=True):
        yield Problem("documents", number, "paid, but no receipt was issued")
    missing = Refund.objects.filter(status=Refund.Status.SUCCEEDED, order__receipt__isnull=False, credit_note__isnull=True)
    for number, refund_id in missing.values_list("order__number", "pk"):
        yield Problem("documents", number, f"refund {refund_id} has no credit note")
    for model, sequence in ((Receipt, "receipt"), (CreditNote, "credit_note")):
        numbers = sorted(model.objects.values_list("number", flat=True))
        last = DocumentSequence.objects.filter(name=sequence).values_list("last", flat=True).first() or 0
        gaps = sorted(set(range(1, max([last, *numbers]) + 1)) - set(numbers))
        if gaps:
            yield Problem("documents", model._meta.verbose_name_plural, f"numbers missing: {', '.join(map(str, gaps[:20]))}")


def _stock_matches_ledger():
    mismatched = (
        Publication.objects.annotate(ledger=Coalesce(Sum("stock_movements__delta"), Value(0)))
        .exclude(stock=F("ledger"))
        .values_list("isbn", "stock", "ledger")
    )
    for isbn, stock, ledger in mismatched:
        yield Problem("stock", isbn, f"stock is {stock} but the ledger adds up to {ledger}")


def _orders_hold_their_copies():
    """An order holding stock took exactly its copies out through the ledger; a cancelled one none."""
    taken: dict[tuple[str, str], int] = defaultdict(int)
    movements = StockMovement.objects.filter(
        reason__in=[StockMovement.Reason.SALE, StockMovement.Reason.CANCELLATION]
    ).exclude(order_number="")
    for number, isbn, delta in movements.values_list("order_number", "publication__isbn", "delta").iterator():
        taken[number, isbn] -= delta
    ordered: dict[tuple[str, str], int] = defaultdict(int)
    statuses, holding = {}, set()
    for number, status, holds_stock in Order.objects.values_list("number", "status", "holds_stock").iterator():
        statuses[number] = status
        if status in HOLDS_STOCK and holds_stock:  # an unpaid bulk order holds nothing until paid
            holding.add(number)
    for number, isbn, quantity in OrderLine.objects.values_list("order__number", "isbn", "quantity").iterator():
        ordered[number, isbn] += quantity if number in holding else 0
    for number, isbn in sorted(set(taken) | set(ordered)):
        if taken[number, isbn] != ordered[number, isbn]:
            yield Problem(
                "copies", number,
                f"{statuses.get(number, 'unknown order')} order should hold {ordered[number, isbn]} of {isbn}, "
                f"the ledger took {taken[number, isbn]}",
            )  # fmt: skip


def _titles_count_what_unpaid_orders_hold():
    """A title's held copies (what the hold policy reads) are those its unpaid orders hold."""
    counted = Publication.objects.annotate(copies=held_by_unpaid_orders(Q(publication=OuterRef("pk")))).exclude(held=F("copies"))
    for isbn, said, copies in counted.order_by("isbn").values_list("isbn", "held", "copies"):
        yield Problem("held", isbn, f"counts {said} copies held, but its unpaid orders hold {copies}")


def _owed_messages_sent(before):
    """Every order that was paid has its confirmation and fulfilment request sent (unless the
    request was withdrawn before it went: a full refund, a dispatch by hand); every dispatched
    order its tracking email; every refund its email. Confirmations sent again are their own
    kind, so they are not counted here."""
    owed: dict[str, set] = defaultdict(set)
    paid = Order.objects.filter(pk__in=_ever_paid(), paid_at__lt=before)
    withdrawn = set(
        OutboxEntry.objects.filter(kind=OutboxEntry.Kind.FULFILMENT, status=OutboxEntry.Status.WITHDRAWN).values_list(
            "order__number", flat=True
        )
    )
    for number in paid.values_list("number", flat=True).iterator():
        owed[OutboxEntry.Kind.CONFIRMATION].add(number)
        if number not in withdrawn:
            owed[OutboxEntry.Kind.FULFILMENT].add(number)
    for number in Order.objects.filter(dispatched_at__lt=before).values_list("number", flat=True).iterator():
        owed[OutboxEntry.Kind.DISPATCH].add(number)
    sent = Counter(
        OutboxEntry.objects.filter(status=OutboxEntry.Status.SENT, refund=None).values_list("kind", "order__number")
    )
    for kind, numbers in owed.items():
        for number in sorted(numbers):
            if sent[kind, number] != 1:
                yield Problem("owed", number, f"{OutboxEntry.Kind(kind).label}: {sent[kind, number]} sent, expected 1")
    email_sent = OutboxEntry.objects.filter(refund=OuterRef("pk"), kind=OutboxEntry.Kind.REFUND, status=OutboxEntry.Status.SENT)
    unsent_refund_emails = Refund.objects.filter(status=Refund.Status.SUCCEEDED, refunded_at__lt=before).exclude(Exists(email_sent))
    for number, refund_id in unsent_refund_emails.values_list("order__number", "pk"):
        yield Problem("owed", number, f"refund {refund_id}: its email was not sent")


def _nothing_stuck(before):
    for number, expires_at in Order.objects.filter(
        status=Order.Status.PENDING_PAYMENT, expires_at__lt=before
    ).values_list("number", "expires_at"):
        yield Problem("stuck", number, f"awaiting payment, expired at {expires_at:%Y-%m-%d %H:%M:%S} and not cancelled")
    for number, paid_at in Order.objects.filter(status=Order.Status.PAID, paid_at__lt=before).values_list(
        "number", "paid_at"
    ):
        yield Problem("stuck", number, f"paid at {paid_at:%Y-%m-%d %H:%M:%S} and not yet sent to the warehouse")
    for number, refund_id in Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=before).values_list(
        "order__number", "pk"
    ):
        yield Problem("stuck", number, f"refund {refund_id} still waiting for Stripe")
    unsent = Q(status=OutboxEntry.Status.FAILED) | Q(status=OutboxEntry.Status.PENDING, created_at__lt=before)
    for number, kind, status, error in OutboxEntry.objects.filter(unsent).values_list(
        "order__number", "kind", "status", "last_error"
    ):
        yield Problem("stuck", number, f"{kind} {status}" + (f": {error}" if error else ""))
    for number, reason in Order.objects.filter(needs_attention=True).values_list("number", "attention_reason"):
        yield Problem("attention", number, reason)
