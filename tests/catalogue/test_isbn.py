import pytest
from django.core.exceptions import ValidationError

from catalogue import isbn


@pytest.mark.parametrize(
    "raw",
    ["9781909029088", "978-1-909029-08-8", "978 1 909029 08 8", " 978-1909029088 ", "1-909029-08-4", "1909029084"],
)
def test_normalise_accepts_isbn13_and_isbn10_in_any_format(raw):
    assert isbn.normalise(raw) == "9781909029088"


def test_normalise_converts_isbn10_with_x_check_digit():
    assert isbn.normalise("0-8044-2957-X") == "9780804429573"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("9781909029089", "check digit is wrong"),
        ("1-909029-08-3", "check digit is wrong"),
        ("97819090290", "10 or 13 digits"),
        ("978190902908812", "10 or 13 digits"),
        ("978190902908A", "only digits"),
        ("abcdefghij", "only digits"),
        ("9771909029089", "starts with 978 or 979"),
    ],
)
def test_normalise_refuses_with_a_clear_message(raw, message):
    with pytest.raises(ValidationError) as error:
        isbn.normalise(raw)
    assert message in error.value.messages[0]


@pytest.mark.parametrize(
    "isbn13, shown",
    [
        ("9781909029088", "978-1-909029-08-8"),
        ("9780306406157", "978-0-306-40615-7"),
        ("9780199535569", "978-0-19-953556-9"),
        ("9791032305690", "979-10-323-0569-0"),
        ("9798886451023", "979-8-88645-102-3"),
    ],
)
def test_hyphenate_splits_by_registration_group_and_registrant(isbn13, shown):
    assert isbn.hyphenate(isbn13) == shown


def test_hyphenate_writes_what_stdnum_writes_for_isbns_in_every_kind_of_range():
    from stdnum import ean
    from stdnum import isbn as stdnum_isbn

    bodies = [f"{prefix}{n:09d}" for prefix in ("978", "979") for n in range(0, 10**9, 7_654_321)]
    for body in bodies:
        isbn13 = body + ean.calc_check_digit(body)
        assert isbn.hyphenate(isbn13) == stdnum_isbn.format(isbn13), isbn13


def test_hyphenate_writes_what_stdnum_writes_for_any_isbn_assigned_or_not_and_for_neighbours_of_a_group_found_before():
    import random

    from stdnum import ean
    from stdnum import isbn as stdnum_isbn

    rng = random.Random(13)
    bodies = [rng.choice(("978", "979")) + f"{rng.randrange(10**9):09d}" for _ in range(20_000)]
    bodies += [f"979880{n:06d}" for n in range(0, 10**6, 997)] + [f"97899902{n:04d}" for n in range(0, 10**4, 37)]
    for body in bodies:
        isbn13 = body + ean.calc_check_digit(body)
        assert isbn.hyphenate(isbn13) == stdnum_isbn.format(isbn13), isbn13
