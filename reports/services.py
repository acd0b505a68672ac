"""Finance's writes: every report taken is logged; a long one is built by a worker."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from orders import outbox

from .models import ReportDownload

log = logging.getLogger(__name__)


def report_download_record(*, user, report: str, period, format: str, include_unpaid: bool, via: str) -> ReportDownload:
    """Every finance download is logged: who, which report, which period."""
    log.info("Finance report %s %s..%s (%s) taken by %s via %s", report, period.start, period.end, format, user, via)
    return ReportDownload.objects.create(
        user=user if getattr(user, "pk", None) else None, report=report, period_from=period.start, period_to=period.end,
        format=format, include_unpaid=include_unpaid, via=via,
    )  # fmt: skip


BUILD_REPORT_TASK = "worker.tasks.build_report"


def report_request(*, user, report: str, period, format: str, include_unpaid: bool, via: str) -> ReportDownload:
    """Log a request for a report. A period over REPORT_INLINE_MAX_DAYS is built by a worker and
    emailed as a link (the download's `via` is then "email"); a shorter one the caller serves now."""
    if period.days <= settings.REPORT_INLINE_MAX_DAYS:
        return report_download_record(user=user, report=report, period=period, format=format, include_unpaid=include_unpaid, via=via)
    if not getattr(user, "email", ""):
        raise ValidationError({"to": "Reports this long are emailed, and your account has no email address."})
    download = report_download_record(
        user=user, report=report, period=period, format=format, include_unpaid=include_unpaid, via="email"
    )
    transaction.on_commit(lambda: outbox.celery_app.signature(BUILD_REPORT_TASK, args=[download.pk]).apply_async())
    return download
