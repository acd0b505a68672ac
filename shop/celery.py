"""The Celery app: workers and beat run `celery -A shop worker` / `celery -A shop beat`."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
