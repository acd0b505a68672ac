"""Rows stored once under a unique key, however many requests or workers store them at once."""

from django.db import IntegrityError, transaction


def insert_or_get(model, *, defaults: dict, **key):
    """The row of `model` with this unique key: inserted now with `defaults` (and True), or the
    one stored already (and False). As QuerySet.get_or_create, but the other way round: that
    reads first, and inserts after a miss in a savepoint (read, savepoint, insert, release: four
    round trips for a new row); this inserts first, in a savepoint, and reads only when the key
    is taken (three for a new row, four for one stored already). The rows stored this way are
    mostly new: each Stripe event, each email or request an order owes.

    Two at once: the second INSERT waits on the key's index for the first's transaction, then
    fails if it committed (the second reads the first's row) or goes in if it rolled back."""
    try:
        with transaction.atomic():
            return model.objects.create(**key, **defaults), True
    except IntegrityError as taken:
        try:
            return model.objects.get(**key), False
        except model.DoesNotExist:
            raise taken from None  # another constraint than the key's
