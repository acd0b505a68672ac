"""Structured logs: JSON lines in production (LOG_FORMAT=json), readable lines on a laptop.

Every record about an order carries its number in the `order` field: the code doing an order's
work says so with `order_context(number)` (requests to an order's URLs, services acting on an
order, the worker's outbox entries, Stripe's events), and any other message that names an order
number gets it too. Card numbers, Stripe keys, webhook and client secrets, order status tokens
and API tokens are masked in every message and traceback before anything is written.
"""

import contextvars
import logging
import re
from contextlib import contextmanager
from functools import wraps

_order = contextvars.ContextVar("order", default="")
ORDER_NUMBER = re.compile(r"\bPS-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@contextmanager
def order_context(number: str):
    """Log records made inside this block are about order `number`."""
    token = _order.set(number)
    try:
        yield
    finally:
        _order.reset(token)


def about_order(function):
    """For a service taking `order=`: its log records (Stripe's included) are about that order."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        order = kwargs.get("order")
        if order is None:
            return function(*args, **kwargs)
        with order_context(order.number):
            return function(*args, **kwargs)

    return wrapper


def set_order(number: str) -> None:
    """For code that learns the order part-way (placing one, reading a Stripe event); the
    request or task it runs in clears it when done (clear_order)."""
    _order.set(number)


def clear_order() -> None:
    _order.set("")


class OrderContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "order", ""):
            named = ORDER_NUMBER.search(record.getMessage())  # the order a line names is the one it is about
            record.order = named.group(0) if named else _order.get()
        return True


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    if len(digits) == 13 and digits[:3] in ("978", "979"):  # an ISBN, not a card
        return match.group(0)
    return "[card number]" if _luhn(digits) else match.group(0)


SECRETS = [
    (re.compile(r"\b((?:sk|rk|pk)_(?:test|live)_)[0-9A-Za-z]+"), r"\1[redacted]"),
    (re.compile(r"\bwhsec_[0-9A-Za-z]+"), "whsec_[redacted]"),
    (re.compile(r"\b((?:pi|seti)_[0-9A-Za-z]+_secret_)[0-9A-Za-z]+"), r"\1[redacted]"),
    (re.compile(r"(\btoken[\"']?\s*[=:]\s*[\"']?)[^&\s\"',}]+", re.IGNORECASE), r"\1[redacted]"),
    (re.compile(r"\b(Token|Bearer|Basic) [0-9A-Za-z+/=._-]{16,}"), r"\1 [redacted]"),
    (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), _card),
]


def redact(text: str) -> str:
    for pattern, replacement in SECRETS:
        text = pattern.sub(replacement, text)
    return text


# What every LogRecord has; anything else on a record is an extra field the JSON formatter writes.
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "order"}


def _request_line(request) -> str:
    """A request as the logs may show it: method and path, never the query string (tokens)."""
    return redact(f"{getattr(request, 'method', '')} {getattr(request, 'path', '')}".strip())


class Redact(logging.Filter):
    """Masks the whole record: message, traceback and every extra field (Django adds `request`
    to its warnings, whose text includes the query string with an order's token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        for name, value in list(vars(record).items()):
            if name in _RECORD_FIELDS or value is None or isinstance(value, (bool, int, float)):
                continue
            if name == "request" and not isinstance(value, str):
                value = _request_line(value)  # a string: another handler's filter has been here
            setattr(record, name, redact(str(value)))
        if record.exc_info:
            # Formatters would render the traceback afresh from exc_info: keep only the masked text.
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
