"""WSGI entry point for gunicorn: `gunicorn shop.wsgi`."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from werkzeug.middleware.proxy_fix import ProxyFix

from shop.startup import refuse_unsafe_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
application = get_wsgi_application()
# Whatever server loads the shop (gunicorn without shop.gunicorn's hooks, uwsgi, mod_wsgi):
# with DEBUG off, not on a published secret.
refuse_unsafe_start("The shop's WSGI application")
if settings.TRUSTED_PROXIES:
    # Behind N proxies (a load balancer, nginx), the reader's address is the Nth entry from the
    # right of X-Forwarded-For: what the proxies added, never what a client wrote there. Rate
    # limits, the admin's lockout and comments all see it as REMOTE_ADDR.
    application = ProxyFix(application, x_for=settings.TRUSTED_PROXIES)
