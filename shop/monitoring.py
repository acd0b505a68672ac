"""Knowing when something is wrong: errors to an error tracker, and beat's heartbeat.

With SENTRY_DSN set, errors (unhandled exceptions in requests and tasks, and every log record
at ERROR) go to Sentry, or any service that speaks its protocol, masked as the logs are:
no card numbers, Stripe keys, webhook or client secrets, order tokens or API tokens leave the
shop, and no cookies or addresses either (send_default_pii off).

Beat records a heartbeat in the shared cache (and a file beside it, for its own container's
health check) every BEAT_HEARTBEAT_SECONDS; /healthz reports beat stale after BEAT_STALE_SECONDS
without one: nothing then expires unpaid orders, looks up lost payments or sweeps the outbox.
"""

import time
from pathlib import Path

from celery.beat import PersistentScheduler
from django.conf import settings
from django.core.cache import cache

from . import logs

HEARTBEAT_KEY = "beat:heartbeat"


def _masked(value):
    if isinstance(value, str):
        return logs.redact(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(item) for item in value]
    return value


def sentry_scrub(event: dict, hint: dict) -> dict:
    """Sentry's before_send: every string of the event through the log masking."""
    return _masked(event)


def sentry_init(*, dsn: str, environment: str, release: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        before_send=sentry_scrub,
        before_send_transaction=sentry_scrub,
        traces_sample_rate=0,
    )


def heartbeat_record(now: float | None = None) -> None:
    now = time.time() if now is None else now
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    path = Path(settings.BEAT_HEARTBEAT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{now:.0f}\n")


def beat_state(now: float | None = None) -> str:
    """"ok", "stale" (no heartbeat for BEAT_STALE_SECONDS) or "missing" (beat has never run here)."""
    last = cache.get(HEARTBEAT_KEY)
    if last is None:
        return "missing"
    now = time.time() if now is None else now
    return "ok" if now - float(last) <= settings.BEAT_STALE_SECONDS else "stale"


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's own scheduler, recording a heartbeat as it ticks (CELERY_BEAT_SCHEDULER)."""

    _last_heartbeat = 0.0

    def __init__(self, *args, schedule_filename=None, **kwargs):
        if schedule_filename:  # a fresh VAR_DIR: beat's schedule file needs its folder
            Path(schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(*args, schedule_filename=schedule_filename, **kwargs)

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        now = time.time()
        if now - self._last_heartbeat >= settings.BEAT_HEARTBEAT_SECONDS:
            heartbeat_record(now)
            self._last_heartbeat = now
        return min(interval, settings.BEAT_HEARTBEAT_SECONDS)
