"""ISBNs as the shop keeps them: 13 digits, validated by python-stdnum, shown hyphenated."""

from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from stdnum import exceptions as stdnum_errors
from stdnum import isbn as stdnum_isbn
from stdnum import numdb

_MESSAGES = {
    stdnum_errors.InvalidChecksum: "The check digit is wrong: this is not a valid ISBN.",
    stdnum_errors.InvalidLength: "An ISBN has 10 or 13 digits.",
    stdnum_errors.InvalidFormat: "An ISBN has only digits, hyphens and spaces (and X as an ISBN-10's last character).",
    stdnum_errors.InvalidComponent: "An ISBN-13 starts with 978 or 979.",
}


def normalise(raw: str) -> str:
    """The 13-digit form of an ISBN-10 or ISBN-13 written in any format; ValidationError if it is not one."""
    try:
        return stdnum_isbn.validate(raw, convert=True)
    except stdnum_errors.ValidationError as error:
        message = _MESSAGES.get(type(error), "This is not a valid ISBN.")
        raise ValidationError(message, code="invalid_isbn") from error


def normalise_or_none(raw: str) -> str | None:
    try:
        return normalise(raw)
    except ValidationError:
        return None


_RANGES = numdb.get("isbn")  # the ISBN agency's ranges, as python-stdnum ships them


@lru_cache(maxsize=65536)
def hyphenate(isbn13: str) -> str:
    """978-1-909029-08-8: split by registration group and registrant, per the ISBN agency's ranges.
    What stdnum's format does for an ISBN already in its 13 digits, without cleaning it again
    first (a third of the time, for each of the ISBNs on a page of the list)."""
    return "-".join(part for part in (*_RANGES.split(isbn13[:-1]), isbn13[-1]) if part)


class ISBNFormField(forms.CharField):
    """Accepts an ISBN-10 or ISBN-13 with or without hyphens or spaces; cleans to 13 digits."""

    def __init__(self, **kwargs):
        kwargs["max_length"] = 20
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalise(value) if value else value


class ISBNField(models.CharField):
    """An ISBN-13 stored as 13 digits; any ISBN-10 or ISBN-13 spelling is accepted on the way in."""

    description = "ISBN-13"

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 13
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        return name, path, args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        return normalise(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ISBNFormField, **kwargs})
