"""WSGI entry point for gunicorn: `gunicorn shop.wsgi`."""

import os

from django.conf import settings
from django.core.validators import validate_email
from django.core.wsgi import get_wsgi_application
from werkzeug.middleware.proxy_fix import ProxyFix

from shop.startup import refuse_unsafe_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
application = get_wsgi_application()
# Whatever server loads the shop (gunicorn without shop.gunicorn's hooks, uwsgi, mod_wsgi):
# with DEBUG off, not on a published secret.
refuse_unsafe_start("The shop's WSGI application")
# Django compiles its validators' regular expressions at their first use in a process: an email
# address's took 67 ms, in every worker's first order. Loaded by gunicorn's master
# (preload_app), this compiles them once for every worker it forks.
validate_email("reader@example.org")
if settings.TRUSTED_PROXIES:
    # Behind N proxies (a load balancer, nginx), the reader's address is the Nth entry from the
    # right of X-Forwarded-For: what the proxies added, never what a client wrote there. Rate
    # limits, the admin's lockout and comments all see it as REMOTE_ADDR.
    application = ProxyFix(application, x_for=settings.TRUSTED_PROXIES)
