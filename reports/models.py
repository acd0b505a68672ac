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
