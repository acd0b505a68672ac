"""Django's PostgreSQL backend with a health check that makes no round trip on a healthy connection.

With CONN_HEALTH_CHECKS, Django checks a kept connection before a request's (or a worker task's)
first query by running `SELECT 1` on it: a round trip to the server for every request that
reads (130 µs of the web process's time, and the server's), as many as an uncached page of the
catalogue makes for its rows. This looks at the connection's socket instead (a few µs): an idle
connection has nothing to read unless the server has said something since, and a server that
shut down, restarted or ended the session (pg_terminate_backend, idle_session_timeout) has sent
its goodbye and closed the socket. Only then is Django's own check run, which replaces a
connection the server ended and keeps one that only received a notice.

A server gone without a word (its host lost, a network partition) leaves nothing to read; the
first query finds it, as `SELECT 1` would have (waiting as long): that request is a 503 that
changed nothing, and its connection is closed when the request ends (Django checks a connection
that raised an error with `SELECT 1`, as before).
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done or self.pool:
            return super().close_if_health_check_failed()
        if self.connection.closed or (_has_something_to_read(self.connection.fileno()) and not self.is_usable()):
            self.close()
        self.health_check_done = True


def _has_something_to_read(fileno: int) -> bool:
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))
