"""Sending the worker's emails over a connection it keeps.

Django opens a connection for each message and closes it after: over SMTP, a TCP connection
(often TLS too), EHLO and AUTH before the message and QUIT after it, for every confirmation and
fulfilment email of a launch day. Here each worker process (and each thread in it) keeps one
SMTP connection between messages, for as long as the email settings stay the same and it is
used at least every KEPT_IDLE_SECONDS.

A kept connection the server has closed while it was idle fails at its first command, before
the message went: the message is sent once more on a new connection. Any other failure drops
the kept connection, and the outbox retries the message later as before. Other email backends
(files, memory, a provider's API) are used as Django uses them.
"""

import os
import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

# Longer idle than this and the connection is not trusted: a server or a NAT between may have
# dropped it without a word, and a message sent into it would wait for EMAIL_TIMEOUT.
KEPT_IDLE_SECONDS = 15

_kept = threading.local()


def send(message: EmailMessage) -> int:
    """Send `message` as message.send() would, over this thread's kept SMTP connection."""
    backend, reused = _connection()
    try:
        return _send_on(backend, message)
    except smtplib.SMTPServerDisconnected:
        if not reused:
            raise
        # Closed by the server while it was kept (a restart, its idle timeout): nothing was sent.
        return _send_on(_connection()[0], message)


def _send_on(backend, message: EmailMessage) -> int:
    message.connection = backend
    try:
        sent = message.send()
    except Exception:
        _forget()  # a failed exchange leaves the session in a state not worth trusting
        raise
    if isinstance(backend, SMTPBackend):
        _kept.used_at = time.monotonic()
    return sent


def _key() -> tuple:
    return (
        os.getpid(), settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER,
        settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL, settings.EMAIL_TIMEOUT,
    )  # fmt: skip


def _connection() -> tuple[BaseEmailBackend, bool]:
    """This thread's open SMTP connection for the current settings, and whether it was open
    already; for a backend that is not SMTP, a new one, as message.send() would make."""
    key = _key()
    kept = getattr(_kept, "connection", None)
    if kept is not None and (_kept.key != key or time.monotonic() - _kept.used_at > KEPT_IDLE_SECONDS):
        _forget()
        kept = None
    if kept is not None:
        return kept, True
    backend = get_connection(fail_silently=False)
    if isinstance(backend, SMTPBackend):
        backend.open()  # open here, so that message.send() leaves it open
        _kept.connection, _kept.key, _kept.used_at = backend, key, time.monotonic()
    return backend, False


def _forget() -> None:
    """Drop this thread's kept connection: its socket closed without a QUIT, which a server
    that is gone, or a connection a NAT has dropped, would keep waiting for."""
    backend, _kept.connection = getattr(_kept, "connection", None), None
    if backend is not None and backend.connection is not None:
        backend.connection.close()
        backend.connection = None
