"""Celery tasks, notification emails and fulfilment backends (the workers issue)."""
