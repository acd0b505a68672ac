"""Payouts: what Stripe paid into the bank, and which of the shop's payments, refunds and
disputes each carried.

A payout is read from Stripe once it has settled (the orders webhook hands over
payout.reconciliation_completed; finance can also ask for one by id), through orders.gateway,
or from Stripe's itemised payout reconciliation export, uploaded as CSV. Either way each of its
balance transactions is matched to the order (by charge or PaymentIntent), the refund or the
dispute it was, and a payment's or refund's fee and net are filled in where the shop did not
have them (or had them otherwise: the payout's figures are Stripe's final word).
finance.reconciliation_rows names every difference.
"""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders import gateway, outbox
from orders import services as order_services
from orders.models import Dispute, Order, Refund, StripeEvent

from .models import Payout, PayoutItem

# Stripe's itemised payout reconciliation export: the columns read (any others are ignored).
CSV_COLUMNS = [
    "automatic_payout_id", "automatic_payout_effective_at", "balance_transaction_id", "created_utc", "currency",
    "gross", "fee", "net", "reporting_category", "source_id", "charge_id", "payment_intent_id",
]  # fmt: skip


@dataclass(frozen=True)
class Item:
    balance_transaction: str
    created: datetime
    reporting_category: str
    source_id: str
    charge_id: str
    payment_intent: str
    gross: Decimal
    fee: Decimal
    net: Decimal


def payout_from_stripe(payout_id: str) -> Payout:
    """List a settled payout's balance transactions from Stripe (no lock held) and record them."""
    payout = gateway.payout_retrieve(payout_id)
    items = [
        Item(
            balance_transaction=txn.id, created=txn.created, reporting_category=txn.reporting_category, source_id=txn.source,
            charge_id=txn.source if txn.source.startswith(("ch_", "py_")) else "", payment_intent="",
            gross=txn.gross, fee=txn.fee, net=txn.net,
        )  # fmt: skip
        for txn in gateway.payout_balance_transactions(payout_id)
    ]
    return payout_record(
        stripe_id=payout.id, amount=payout.amount, currency=payout.currency, arrival_date=payout.arrival_date,
        source=Payout.Source.API, items=items,
    )  # fmt: skip


def payouts_from_csv(data: bytes | str, by=None) -> list[Payout]:
    """Stripe's itemised payout reconciliation export: one payout per automatic_payout_id. A
    problem names the line and the column, and nothing is recorded."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text), restval="")
    missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(f"The file is not Stripe's itemised payout reconciliation export: no column {', '.join(missing)}.")
    payouts: dict[str, dict] = {}
    errors, seen = [], {}
    for line, row in enumerate(reader, start=2):
        try:
            if None in row:  # more cells than columns
                raise ValueError("has more cells than the header has columns")
            if row["balance_transaction_id"] in seen:
                raise ValueError(f"balance transaction {row['balance_transaction_id']} is on line {seen[row['balance_transaction_id']]} already")
            seen[row["balance_transaction_id"]] = line
            payout = payouts.setdefault(row["automatic_payout_id"] or _missing("automatic_payout_id"), {
                "arrival_date": _date(row["automatic_payout_effective_at"], "automatic_payout_effective_at"),
                "currency": (row["currency"] or "gbp").upper(), "items": [],
            })  # fmt: skip
            payout["items"].append(Item(
                balance_transaction=row["balance_transaction_id"] or _missing("balance_transaction_id"),
                created=_moment(row["created_utc"], "created_utc"), reporting_category=row["reporting_category"],
                source_id=row["source_id"], charge_id=row["charge_id"], payment_intent=row["payment_intent_id"],
                gross=_money(row["gross"], "gross"), fee=_money(row["fee"], "fee"), net=_money(row["net"], "net"),
            ))  # fmt: skip
        except ValueError as error:
            errors.append(f"line {line}: {error}")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return [
            payout_record(
                stripe_id=stripe_id, amount=sum((item.net for item in found["items"]), Decimal("0.00")),
                currency=found["currency"], arrival_date=found["arrival_date"], source=Payout.Source.CSV, items=found["items"], by=by,
            )  # fmt: skip
            for stripe_id, found in payouts.items()
        ]


def _missing(column: str):
    raise ValueError(f"{column} is empty")


def _money(value: str, column: str) -> Decimal:
    try:
        return Decimal(value.strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, AttributeError, TypeError):
        raise ValueError(f"{column} {value!r} is not an amount like 12.34") from None


def _moment(value: str, column: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"{column} {value!r} is not a date and time like 2026-11-02 10:15:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(value: str, column: str) -> date:
    return _moment(value, column).date()


@transaction.atomic
def payout_record(*, stripe_id: str, amount: Decimal, currency: str, arrival_date: date, source: str, items: list[Item], by=None) -> Payout:
    """Record a payout afresh (a second reading replaces the first) with each item matched. An
    upload does not replace what Stripe itself listed."""
    if source == Payout.Source.CSV and Payout.objects.filter(stripe_id=stripe_id, source=Payout.Source.API).exists():
        raise ValidationError(f"Payout {stripe_id} was read from Stripe itself; an uploaded export does not replace it.")
    payout, _ = Payout.objects.update_or_create(
        stripe_id=stripe_id,
        defaults={"amount": amount, "currency": currency, "arrival_date": arrival_date, "source": source,
                  "reconciled_at": timezone.now(), "recorded_by": by},
    )  # fmt: skip
    payout.items.all().delete()
    PayoutItem.objects.bulk_create(_matched(payout, item) for item in items)
    return payout


def _matched(payout: Payout, item: Item) -> PayoutItem:
    order = refund = dispute = None
    category = item.reporting_category
    if category == "charge":
        # The charge that paid the order (a second payment the shop gave back is not the order's).
        charge = item.charge_id or item.source_id
        found = Q(stripe_charge=charge) if charge else Q(pk__in=[])
        if item.payment_intent:
            found |= Q(payment_intent=item.payment_intent)
        order = Order.objects.filter(found).first()
        if order:  # the payout's word on the fee is Stripe's final one
            order_services.stripe_money_record(order, _as_balance(item))
    elif category in ("refund", "refund_failure"):
        refund = Refund.objects.select_related("order").filter(stripe_refund_id=item.source_id).first()
        order = refund.order if refund else None
        if refund and category == "refund":  # a failure's money comes back: it is not the refund's fee
            order_services.stripe_money_record(refund, _as_balance(item))
    elif category == "dispute" or category == "dispute_reversal":
        dispute = Dispute.objects.select_related("order").filter(stripe_id=item.source_id).first()
        order = dispute.order if dispute else Order.objects.filter(stripe_charge=item.charge_id).first() if item.charge_id else None
    return PayoutItem(
        payout=payout, balance_transaction=item.balance_transaction, created=item.created, reporting_category=category,
        source_id=item.source_id, charge_id=item.charge_id, payment_intent=item.payment_intent, gross=item.gross,
        fee=item.fee, net=item.net, order=order, refund=refund, dispute=dispute,
    )  # fmt: skip


def _as_balance(item: Item) -> gateway.BalanceTransaction:
    return gateway.BalanceTransaction(
        id=item.balance_transaction, type=item.reporting_category, reporting_category=item.reporting_category,
        source=item.source_id, created=item.created, gross=item.gross, fee=item.fee, net=item.net, currency="GBP",
    )  # fmt: skip


def unread_hand_over(days: int = 30) -> int:
    """payout.reconciliation_completed events of the last `days` whose payout is not recorded
    (the hand-over to the workers was lost, or reading it failed): handed over again."""
    read = set(Payout.objects.values_list("stripe_id", flat=True))
    settled = StripeEvent.objects.filter(
        type__in=order_services.PAYOUT_SETTLED, received_at__gte=timezone.now() - timedelta(days=days),
        received_at__lt=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    unread = [event.pk for event in settled if event.payload["data"]["object"].get("id") not in read]
    return sum(outbox.hand_over(order_services.PAYOUT_TASK, pk) for pk in unread)
