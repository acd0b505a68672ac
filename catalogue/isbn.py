"""ISBNs as the shop keeps them: 13 digits, validated by python-stdnum, shown hyphenated."""

from bisect import bisect_right
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
# How many digits decide the prefix (978, 979) and the registration group: the longest of each.
_HEAD = max(length for length, *_ in _RANGES.prefixes) + max(
    length for *_, groups in _RANGES.prefixes for length, *_ in groups
)


@lru_cache(maxsize=65536)
def hyphenate(isbn13: str) -> str:
    """978-1-909029-08-8: split by registration group and registrant, per the ISBN agency's ranges,
    as stdnum's format splits an ISBN already in its 13 digits. Its walk over the ranges scans the
    few hundred registration groups for every ISBN (4.6 µs, 20 times for an uncached page of the
    list); the group depends only on the first _HEAD digits, so it is found once for them
    (_group), and the registrant by bisecting the group's ranges (_Registrants): a walk over
    them took 2 µs in a group of 50 (English, 978-1), still 8% of an uncached page of the list."""
    body = isbn13[:-1]
    found = _group(body[:_HEAD])
    if found is None:  # no registration group has these digits: stdnum's walk, as it splits them
        parts = _RANGES.split(body)
    else:
        prefix, group, registrants = found
        after = body[len(prefix) + len(group) :]
        registrant = registrants.part_of(after)
        parts = [prefix, group, registrant, after[len(registrant) :]]
    return "-".join(part for part in (*parts, isbn13[-1]) if part)


class _Registrants:
    """A registration group's registrant ranges, found by bisection where no two of them cover the
    same numbers (each range's low and high padded to the longest's length), as in every group
    of the agency's file so far; by _shortest_match's walk otherwise."""

    def __init__(self, ranges: tuple):
        self.ranges = ranges
        width = max((length for length, *_ in ranges), default=0)
        spans = sorted((low.ljust(width, "0"), high.ljust(width, "9"), length, low, high) for length, low, high, *_ in ranges)
        apart = all(spans[at][1] < spans[at + 1][0] for at in range(len(spans) - 1))
        self.spans = spans if apart else None
        self.lows = [span[0] for span in spans]

    def part_of(self, after: str) -> str:
        """The registrant's digits at the start of `after` (all of it in an unassigned range)."""
        if self.spans is not None:
            at = bisect_right(self.lows, after) - 1
            if at >= 0:
                _, _, length, low, high = self.spans[at]
                if len(after) >= length and low <= after[:length] <= high:
                    return after[:length]
        return _shortest_match(after, self.ranges)[0]


@lru_cache(maxsize=4096)
def _group(head: str) -> tuple[str, str, _Registrants] | None:
    """The prefix, registration group and the group's registrant ranges of the ISBNs starting
    with these digits; None if no group has them."""
    prefix, groups = _shortest_match(head, _RANGES.prefixes)
    group, registrants = _shortest_match(head[len(prefix) :], groups)
    if not registrants:
        return None
    if (prefix, group) not in _registrants:  # once per group, not per head
        _registrants[prefix, group] = _Registrants(tuple(registrants))
    return prefix, group, _registrants[prefix, group]


_registrants: dict[tuple[str, str], _Registrants] = {}


def _shortest_match(number: str, ranges) -> tuple[str, list]:
    """The part of `number` that the shortest of `ranges` (stdnum's numdb: length, low, high,
    properties, children) covers, and the children of every range covering it; all of `number`
    when none does (an unassigned range): numdb's own rule."""
    part, children = number, []
    for length, low, high, _properties, more in ranges:
        if len(part) >= length and low <= part[:length] <= high:
            if length < len(part):
                part, children = part[:length], []
            children.extend(more)
    return part, children


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
