"""gunicorn settings shared by the Dockerfile, docker-compose.yml and bench/: `gunicorn -c python:shop.gunicorn shop.wsgi`.

Sync workers, 2 per core + 1: measured with bench/catalogue.py, they keep p99 latency lowest
(gthread gave more throughput on a trivial view but p99 several times higher). Like every
sync server they belong behind a proxy that buffers slow clients (Caddy in docker-compose.yml).
"""

import os

from shop.startup import available_cpus

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS") or available_cpus() * 2 + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# docker-compose.yml's stop_grace_period for web is longer than this.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
# Load the app once in the master: a recycled worker is then a fork, not a fresh Django start
# (without it, recycling every few thousand requests showed as one-second p99 stalls). Loading
# it is also where the master refuses to start on a published secret (shop/wsgi.py).
preload_app = True
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50000))
max_requests_jitter = max_requests // 10
# No gunicornc control socket: nothing uses it, and it would need a writable $HOME.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
# The path without its query string, and no Referer: an order's status link carries its token
# in the query string, and the pages it links to would show it as their Referer.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms "%(a)s"'
