"""The Celery app: workers and beat run `celery -A shop worker` / `celery -A shop beat`."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(sender, **kwargs):
    """A worker's database connections live as a request's do: kept for CONN_MAX_AGE, checked
    before a task uses one again, and closed after an error (settings.CELERY_DB_REUSE_MAX). A task
    run in the caller's process (apply) leaves the caller's connection alone, as Celery's fixup does."""
    from django.db import close_old_connections

    if not getattr(sender.request, "is_eager", False):
        close_old_connections()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, **kwargs):
    # Kombu's filesystem transport expects its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_init.connect
def _refuse_unsafe_worker(**kwargs):
    from .startup import refuse_unsafe_start

    refuse_unsafe_start("The Celery worker")


@beat_init.connect
def _refuse_unsafe_beat(**kwargs):
    from .startup import refuse_unsafe_start

    refuse_unsafe_start("Celery beat")
