"""Finance's records: who took which report, when."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReportDownload(models.Model):
    """Who took which finance report for which period, and when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    report = models.CharField(max_length=30)
    period_from = models.DateField()
    period_to = models.DateField()
    format = models.CharField(max_length=5)
    include_unpaid = models.BooleanField(default=False)
    via = models.CharField(max_length=20, help_text="api, admin, command, or email (built by a worker, sent as a link)")
    created_at = models.DateTimeField(default=timezone.now)
    file = models.CharField(max_length=200, blank=True, help_text="For a report built by a worker: its name in the reports storage.")
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        db_table = "orders_reportdownload"  # made when reports were part of orders

    def __str__(self):
        return f"{self.report} {self.period_from}..{self.period_to} by {self.user}"


class Payout(models.Model):
    """Money Stripe paid into the bank, with every balance transaction it carried: listed from
    Stripe once it settled (payout.reconciliation_completed, or on demand), or read from
    Stripe's itemised payout reconciliation export uploaded by finance."""

    class Source(models.TextChoices):
        API = "api", "Listed from Stripe"
        CSV = "csv", "Uploaded itemised export"

    stripe_id = models.CharField("Stripe payout", max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="What reached the bank: the items' net.")
    currency = models.CharField(max_length=3, default="GBP")
    arrival_date = models.DateField(help_text="When it reached the bank (the export's automatic_payout_effective_at).")
    source = models.CharField(max_length=3, choices=Source.choices)
    reconciled_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, help_text="Who uploaded it (none: read from Stripe)."
    )  # fmt: skip

    class Meta:
        ordering = ["-arrival_date", "-id"]

    def __str__(self):
        return f"{self.stripe_id} (£{self.amount}, {self.arrival_date})"


class PayoutItem(models.Model):
    """One balance transaction a payout carried, matched to what the shop knows of it."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items")
    balance_transaction = models.CharField(max_length=64)
    created = models.DateTimeField()
    reporting_category = models.CharField(max_length=40, help_text="charge, refund, dispute, fee...")
    source_id = models.CharField(max_length=64, blank=True)
    charge_id = models.CharField(max_length=64, blank=True)
    payment_intent = models.CharField(max_length=64, blank=True)
    gross = models.DecimalField(max_digits=12, decimal_places=2)
    fee = models.DecimalField(max_digits=12, decimal_places=2)
    net = models.DecimalField(max_digits=12, decimal_places=2)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="payout_items")
    refund = models.ForeignKey("orders.Refund", null=True, blank=True, on_delete=models.SET_NULL, related_name="payout_items")
    dispute = models.ForeignKey("orders.Dispute", null=True, blank=True, on_delete=models.SET_NULL, related_name="payout_items")

    class Meta:
        ordering = ["created", "id"]
        constraints = [models.UniqueConstraint(fields=["payout", "balance_transaction"], name="one_item_per_balance_transaction")]
        indexes = [models.Index(fields=["balance_transaction"], name="payout_item_txn")]

    def __str__(self):
        return f"{self.reporting_category} {self.balance_transaction} £{self.gross}"
