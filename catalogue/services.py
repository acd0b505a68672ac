"""The catalogue's writes: one function per business action, each in one transaction."""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from . import comment_numbers, selectors
from .cache import catalogue_changed, stock_changed
from .errors import InsufficientStock
from .models import Comment, PriceChange, Publication, StockMovement
from .pages import Page, PageError


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
    """Change one publication's stock by `delta` and write the ledger row, or raise
    InsufficientStock (or a ValidationError above MAX_STOCK): stock_adjust_together with one change."""
    StockMovement.check_direction(reason=reason, delta=delta)  # a delta of 0 too, which stock_adjust_together passes over
    [movement] = stock_adjust_together(changes=[(publication, delta)], reason=reason, by=by, order_number=order_number, note=note)
    return movement


@transaction.atomic(savepoint=False)
def stock_adjust_together(
    *,
    changes: list[tuple[Publication, int]],
    reason: str,
    order_number: str = "",
    by=None,
    note: str = "",
    locked: bool = False,
    held: bool = False,
) -> list[StockMovement]:
    """Titles' stock changed as one (an order's), with a ledger row each: all of them or none,
    raising InsufficientStock for the first title (in pk order) short of copies, or a
    ValidationError for one that would go above MAX_STOCK. With `held`, the copies move between
    stock and the unpaid orders' holds (Publication.held): an unpaid order taking them or
    giving them back.

    Three round trips whatever the number of titles (the rows locked and read in pk order, as
    every order locks them; the guarded UPDATEs sent together; one INSERT); two when the caller
    has locked and read them in this transaction already (`locked`: catalogue.selectors.
    publications_locked) and their stock is the one read then. Every check is made before
    anything is written, so an error leaves the caller's transaction as it was."""
    changes = sorted(((publication, delta) for publication, delta in changes if delta), key=lambda change: change[0].pk)
    if not changes:
        return []
    for _, delta in changes:
        StockMovement.check_direction(reason=reason, delta=delta)
    read = [publication for publication, _ in changes] if locked else selectors.publications_locked([p.pk for p, _ in changes])
    current = {publication.pk: (publication.stock, publication.slug, publication.held) for publication in read}
    for publication, delta in changes:
        stock = current[publication.pk][0]
        if stock + delta < 0:
            raise InsufficientStock(isbn=publication.isbn, available=stock, requested=-delta)
        if stock + delta > StockMovement.MAX_STOCK:
            raise ValidationError({"delta": f"Stock would be {stock + delta:,}: no more than {StockMovement.MAX_STOCK:,} copies."})
    if _stock_moved([(publication.pk, delta, -delta if held else 0) for publication, delta in changes]) != len(changes):
        raise RuntimeError(f"Stock changed under its lock: not every one of {len(changes)} titles was updated")
    for publication, delta in changes:
        stock, slug, was_held = current[publication.pk]
        publication.stock = stock + delta
        if held:
            publication.held = max(was_held - delta, 0)
        stock_changed(slug)
        if publication.stock == 0 or stock == 0:  # in stock <-> out of stock: what readers see changed
            catalogue_changed()
    return StockMovement.objects.bulk_create(
        StockMovement(
            publication=publication, delta=delta, reason=reason, note=note, order_number=order_number, stock_after=publication.stock,
            created_by=by,
        )  # fmt: skip
        for publication, delta in changes
    )


def _stock_moved(deltas: list[tuple[int, int, int]]) -> int:
    """Each (pk, delta, held) added to that publication's stock where it stays within 0 and
    MAX_STOCK, as stock_adjust's guard has the database check it, and to its held copies, never
    below 0: a count out of step (check_books names it) must not stop a payment or a
    cancellation, and comes back in step once the orders it missed are paid or cancelled. How
    many rows were changed. One statement sent once with every title's values (psycopg sends
    them in one round trip), instead of an ORM UPDATE built for each order: a CASE over the
    titles took 1 ms to build."""
    quote = connection.ops.quote_name
    table, stock, held, pk = (
        quote(name) for name in (Publication._meta.db_table, *(Publication._meta.get_field(f).column for f in ("stock", "held")), Publication._meta.pk.column)
    )  # fmt: skip
    sql = (
        f"UPDATE {table} SET {stock} = {stock} + %s, {held} = CASE WHEN {held} + %s > 0 THEN {held} + %s ELSE 0 END "
        f"WHERE {pk} = %s AND {stock} + %s BETWEEN 0 AND %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(delta, more, more, pk_value, delta, StockMovement.MAX_STOCK) for pk_value, delta, more in deltas])
        return cursor.rowcount


def holds_paid(*, copies: list[tuple[int, int]]) -> None:
    """An unpaid order that held its copies is paid: (publication pk, quantity) no longer held
    (they stay out of stock, sold). Updated in pk order, as every change to several titles is."""
    _stock_moved([(pk, 0, -quantity) for pk, quantity in sorted(copies)])


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


@dataclass
class PagesImported:
    """What an import did, counted."""

    publications_new: int = 0
    publications_updated: int = 0
    publications_unchanged: int = 0
    comments_new: int = 0
    comments_updated: int = 0
    comments_unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.publications_new or self.publications_updated or self.comments_new or self.comments_updated)


# What a page gives. Authors, date, topics, stock and VAT are not on it: an import leaves them
# as they are (a new publication starts without authors or date).
PAGE_FIELDS = ("title", "subtitle", "summary", "key_findings", "policy_implications", "price", "pages")
PAGE_COMMENT_FIELDS = ("name", "job_title", "organisation", "body")


@transaction.atomic
def pages_import(*, pages: list[Page], by=None, dry_run: bool = False) -> PagesImported:
    """Create or update each page's publication (by ISBN) and its comments (by number), all
    pages or none: the first fact the shop refuses raises PageError naming its file and line,
    and nothing is written.

    Comments arrive approved, keep their numbers, and are never deleted, so readers' comments
    survive a re-import; a number already taken by a comment made in the shop, or by one on
    another publication, is refused. Importing the same pages again changes nothing. A dry
    run checks everything and writes nothing (not even the comment-number sequence, which on
    PostgreSQL a rollback would not undo)."""
    _pages_check_together(pages)
    imported = PagesImported()
    for page in pages:
        publication = _page_publication(page, by=by, imported=imported)
        _page_comments(page, publication, by=by, imported=imported)
    if dry_run:
        transaction.set_rollback(True)
        return imported
    highest = max((comment.number for page in pages for comment in page.comments), default=None)
    if highest is not None:
        comment_numbers.move_past(highest)
    if imported.changed:
        catalogue_changed()
    return imported


def _pages_check_together(pages: list[Page]) -> None:
    isbns = Counter(page.isbn for page in pages)
    numbers = Counter(comment.number for page in pages for comment in page.comments)
    for page in pages:
        if isbns[page.isbn] > 1:
            others = [other.path for other in pages if other.isbn == page.isbn and other is not page]
            raise PageError(page.path, page.lines["isbn"], f"{others[0]} has the same ISBN: give each publication once.")
        for comment in page.comments:
            if numbers[comment.number] > 1:
                raise PageError(page.path, comment.line, f"comment #{comment.number} is on another page given too.")


def _page_publication(page: Page, *, by, imported: PagesImported) -> Publication:
    publication = Publication.objects.filter(isbn=page.isbn).first()
    if publication is None:
        publication = Publication(isbn=page.isbn, slug=_free_slug(page.title))
        imported.publications_new += 1
    elif all(getattr(publication, name) == getattr(page, name) for name in PAGE_FIELDS):
        imported.publications_unchanged += 1
        return publication
    else:
        imported.publications_updated += 1
    for name in PAGE_FIELDS:
        setattr(publication, name, getattr(page, name))
    try:
        return publication_save(publication=publication, by=by)
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise PageError(page.path, page.lines.get(name, page.lines["isbn"]), f"{name}: {' '.join(messages)}") from None


def _free_slug(title: str) -> str:
    base = slugify(title)[:240] or "publication"
    slug, n = base, 1
    while Publication.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _page_comments(page: Page, publication: Publication, *, by, imported: PagesImported) -> None:
    existing = Comment.objects.select_related("publication").in_bulk([comment.number for comment in page.comments], field_name="number")
    for given in page.comments:
        comment = existing.get(given.number)
        if comment is not None and comment.publication_id != publication.pk:
            raise PageError(page.path, given.line, f"comment #{given.number} is already on «{comment.publication}».")
        if comment is not None and comment.email:
            raise PageError(
                page.path, given.line, f"comment #{given.number} is already taken by a reader's comment made in the shop."
            )
        if comment is None:
            comment = Comment(
                number=given.number,
                publication=publication,
                email="",
                created=None,  # the page gives no date
                status=Comment.Status.APPROVED,
                moderated_at=timezone.now(),
                moderated_by=by,
            )
            imported.comments_new += 1
        elif all(getattr(comment, name) == getattr(given, name) for name in PAGE_COMMENT_FIELDS):
            imported.comments_unchanged += 1
            continue
        else:
            imported.comments_updated += 1
        for name in PAGE_COMMENT_FIELDS:
            setattr(comment, name, getattr(given, name))
        try:
            # The body's length limit is for readers' new comments; an old page's comment comes whole.
            comment.full_clean(exclude=["body"], validate_unique=False)
        except ValidationError as error:
            name, messages = next(iter(error.message_dict.items()))
            raise PageError(page.path, given.line, f"comment #{given.number}: {name}: {' '.join(messages)}") from None
        try:
            comment.save()
        except IntegrityError:  # a reader's comment took the number since it was looked up
            raise PageError(
                page.path, given.line, f"comment #{given.number} was taken by a new comment meanwhile: import again."
            ) from None
