"""The catalogue's writes: one function per business action, each in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .cache import catalogue_changed
from .errors import InsufficientStock
from .models import Comment, PriceChange, Publication, StockMovement


@transaction.atomic
def publication_save(*, publication: Publication, by=None, topics=None) -> Publication:
    """Create or update a publication (and its topics, if given); a new price is recorded in
    its history with who and when."""
    publication.full_clean()
    if publication._state.adding:
        old_price = None
    else:
        old_price = Publication.objects.select_for_update().values_list("price", flat=True).get(pk=publication.pk)
    publication.save()
    if topics is not None:
        publication.topics.set(topics)
    if old_price is None or old_price != publication.price:
        PriceChange.objects.create(
            publication=publication, old_price=old_price, new_price=publication.price, changed_by=by
        )
    catalogue_changed()
    return publication


@transaction.atomic
def stock_adjust(
    *,
    publication: Publication,
    delta: int,
    reason: str,
    by=None,
    order_number: str = "",
    note: str = "",
) -> StockMovement:
    """Change stock by `delta` and write the ledger row, or raise InsufficientStock.

    The conditional UPDATE is what keeps stock from going below zero under any concurrency:
    the database re-checks `stock >= -delta` on the row as it locks it, so of two writers
    racing for the last copy exactly one matches."""
    StockMovement.check_direction(reason=reason, delta=delta)
    within = {"stock__lte": StockMovement.MAX_STOCK - delta} if delta > 0 else {"stock__gte": -delta}
    rows = Publication.objects.filter(pk=publication.pk, **within).update(stock=F("stock") + delta)
    current = Publication.objects.values_list("stock", flat=True).get(pk=publication.pk)
    if not rows and delta > 0:
        raise ValidationError({"delta": f"Stock would be {current + delta:,}: no more than {StockMovement.MAX_STOCK:,} copies."})
    if not rows:
        raise InsufficientStock(isbn=publication.isbn, available=current, requested=-delta)
    publication.stock = current
    if current == 0 or current == delta:  # in stock <-> out of stock: what readers see changed
        catalogue_changed()
    return StockMovement.objects.create(
        publication=publication,
        delta=delta,
        reason=reason,
        note=note,
        order_number=order_number,
        stock_after=current,
        created_by=by,
    )


def comment_submit(
    *,
    publication: Publication,
    name: str,
    email: str,
    body: str,
    job_title: str = "",
    organisation: str = "",
    ip_address: str | None = None,
) -> Comment:
    """Store a reader's comment; it waits for moderation before anyone sees it."""
    comment = Comment(
        publication=publication,
        name=name,
        email=email,
        body=body,
        job_title=job_title,
        organisation=organisation,
        ip_address=ip_address,
    )
    comment.full_clean()
    comment.save()
    return comment


def comments_moderate(*, comments, status: str, by) -> int:
    """Approve or reject comments; returns how many changed."""
    with transaction.atomic():
        changed = comments.exclude(status=status).update(status=status, moderated_at=timezone.now(), moderated_by=by)
        catalogue_changed()
    return changed
