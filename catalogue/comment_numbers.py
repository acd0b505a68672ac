"""Comment numbers: unique across the shop, handed out in order, never reused.

On PostgreSQL they come from a sequence (created by migration 0003), so concurrent comments
never wait for each other. On SQLite the next number is one more than the highest, read under
the write lock that every transaction takes at BEGIN (IMMEDIATE mode), so two comments never
read the same highest number (deleting the newest comment there frees its number again; staff
reject comments rather than delete them, and PostgreSQL never reuses one). Importing pages with their old numbers moves the sequence past
the highest imported one (`move_past`), so a new comment never takes an imported number.
"""

from django.db import DEFAULT_DB_ALIAS, connections

SEQUENCE = "catalogue_comment_number_seq"


def next_number(*, using: str | None = None) -> int:
    """The number for a new comment; call it inside the transaction that inserts the comment."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
        else:
            cursor.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM catalogue_comment")
        return cursor.fetchone()[0]


def move_past(number: int, *, using: str | None = None) -> None:
    """New comments take numbers above `number` (never moving the sequence back)."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return  # the highest number in the table is the sequence
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(%s, %s) FROM {SEQUENCE} WHERE last_value < %s OR (NOT is_called AND last_value <= %s)",
            [SEQUENCE, number, number, number],
        )


def create_sequence(connection) -> None:
    """PostgreSQL: the sequence, owned by the column, starting past any number already taken."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} OWNED BY catalogue_comment.number")
        cursor.execute("SELECT MAX(number) FROM catalogue_comment")
        highest = cursor.fetchone()[0]
    if highest:
        move_past(highest, using=connection.alias)
