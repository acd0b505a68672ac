"""The rules an order keeps, each written once.

`order_place` enforces all of them (`order_check`) and names a broken rule by its error code;
the checkout form, the API's serializers, the basket and the templates read the constants here
to shape their fields and words, and otherwise only parse input and map these errors.

| rule | code | where it is set |
|---|---|---|
| an order has at most `MAX_LINES` titles | `too_many_lines` | here |
| an order has at most `max_copies()` copies (`max_copies(bulk=True)` for a bulk order) | `too_many_copies` | settings ORDER_MAX_COPIES, BULK_ORDER_MAX_COPIES |
| every title is on sale | `not_on_sale` | the publication |
| the delivery method serves the delivery country | `delivery_method_unavailable` | delivery zones (admin) |
| a UK address has a valid postcode, stored as Royal Mail writes it | `postcode_required`, `postcode_invalid` | here (django-localflavor) |
| each address field and the email are one line and fit their columns | `not_single_line`, `too_long` | the Order model |
| a card payment is at least `MINIMUM_CARD_PAYMENT` | `below_minimum_payment` | Stripe's minimum for GBP |
"""

import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from localflavor.gb.forms import GBPostcodeField

from . import selectors
from .models import DeliveryMethod, Order

MAX_LINES = 30
MINIMUM_CARD_PAYMENT = Decimal("0.30")
SINGLE_LINE = ("email", "name", "line1", "line2", "city", "postcode")
IDEMPOTENCY_KEY_LENGTH = Order._meta.get_field("idempotency_key").max_length
_UK_POSTCODE = GBPostcodeField()


def payment_error(total: Decimal) -> ValidationError | None:
    """Stripe takes no card payment under MINIMUM_CARD_PAYMENT."""
    if total < MINIMUM_CARD_PAYMENT:
        return _error(f"Card payments start at £{MINIMUM_CARD_PAYMENT}.", "below_minimum_payment")
    return None


def max_copies(*, bulk: bool = False) -> int:
    """Copies one order may hold: ORDER_MAX_COPIES, or BULK_ORDER_MAX_COPIES for a bulk order."""
    return settings.BULK_ORDER_MAX_COPIES if bulk else settings.ORDER_MAX_COPIES


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def lines_error(items) -> ValidationError | None:
    """`items`: (publication, copies) pairs, one per title."""
    if len(items) > MAX_LINES:
        return _error(f"At most {MAX_LINES} titles per order; this is {len(items)}.", "too_many_lines")
    return None


def copies_error(items, *, bulk: bool = False) -> ValidationError | None:
    copies, most = sum(quantity for _, quantity in items), max_copies(bulk=bulk)
    if copies > most:
        advice = "" if bulk else ' For more, place a bulk order: ask us, or send "bulk": true to the API.'
        return _error(f"At most {most} copies per order; this is {copies}.{advice}", "too_many_copies")
    return None


def on_sale_errors(items) -> list[ValidationError]:
    return [
        _error(f"“{publication.title}” ({publication.isbn}) is not on sale.", "not_on_sale")
        for publication, _ in items if not publication.on_sale
    ]  # fmt: skip


def method_error(method: DeliveryMethod, country: str) -> ValidationError | None:
    """None if `method` delivers to `country`; else the error, naming the methods that do."""
    zone = selectors.delivery_zone_for(country)
    if zone is not None and method.zone_id == zone.pk:
        return None
    choices = ", ".join(zone.methods.filter(active=True).values_list("code", flat=True)) if zone else "none"
    return _error(f"{method.name} does not deliver to {country}; choose one of: {choices}.", "delivery_method_unavailable")


def postcode_normalised(postcode: str, country: str) -> str:
    """A UK postcode as Royal Mail writes it ("sw1a1aa" → "SW1A 1AA"); elsewhere as given, trimmed.
    ValidationError (postcode_required, postcode_invalid) for a UK address without a valid one."""
    postcode = (postcode or "").strip()
    if str(country) != "GB":
        return postcode
    if not postcode:
        raise _error("A UK address needs a postcode.", "postcode_required")
    try:
        return _UK_POSTCODE.clean(postcode)
    except ValidationError:
        raise _error(f"{postcode} is not a UK postcode (like SW1A 1AA).", "postcode_invalid") from None


def details_errors(*, email: str, address: dict, idempotency_key: str | None = None) -> dict[str, list[ValidationError]]:
    """Each stored string fits its column, and the address is single lines: a line break or
    control character in a field would print as an extra line of the warehouse's packing list."""
    errors = {}
    values = {"email": email, **address}
    for field in SINGLE_LINE:
        value = str(values.get(field) or "")
        limit = Order._meta.get_field(field).max_length
        if len(value) > limit:
            errors[field] = [_error(f"At most {limit} characters.", "too_long")]
        elif any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in value):
            errors[field] = [_error("One line only: no line breaks or control characters.", "not_single_line")]
    if idempotency_key and len(idempotency_key) > IDEMPOTENCY_KEY_LENGTH:
        errors["Idempotency-Key"] = [_error(f"At most {IDEMPOTENCY_KEY_LENGTH} characters.", "too_long")]
    return errors


def order_check(*, email: str, address: dict, delivery_method: DeliveryMethod, items, bulk: bool = False,
                idempotency_key: str | None = None) -> dict:  # fmt: skip
    """Every rule above that needs no lock, or ValidationError naming each broken one by field
    and code. Returns the address as it is to be stored (the postcode normalised)."""
    errors = details_errors(email=email, address=address, idempotency_key=idempotency_key)
    item_errors = [e for e in (lines_error(items), copies_error(items, bulk=bulk)) if e] + on_sale_errors(items)
    if item_errors:
        errors["items"] = item_errors
    if "postcode" not in errors:
        try:
            address = {**address, "postcode": postcode_normalised(address.get("postcode", ""), address.get("country", ""))}
        except ValidationError as error:
            errors["postcode"] = [error]
    if error := method_error(delivery_method, address.get("country", "")):
        errors["delivery_method"] = [error]
    if errors:
        raise ValidationError(errors)
    return address
