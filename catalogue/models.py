"""Catalogue data and its invariants.

Stock is a figure on the publication that only `services.stock_adjust` changes, always
together with a StockMovement row, so the figure equals the ledger's sum; a database
constraint keeps it from going below zero.
"""

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from . import comment_numbers
from .isbn import ISBNField, hyphenate


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


def _list_of_strings(value):
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValidationError("Give a list of non-empty lines of text.", code="invalid_list")


class Publication(models.Model):
    isbn = ISBNField("ISBN", unique=True, help_text="ISBN-13 or ISBN-10, with or without hyphens.")
    title = models.CharField(max_length=255)
    subtitle = models.CharField(max_length=255, blank=True)
    slug = models.SlugField(max_length=255, unique=True)
    summary = models.TextField()
    key_findings = models.JSONField(default=list, blank=True, validators=[_list_of_strings])
    policy_implications = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True, validators=[_list_of_strings])
    topics = models.ManyToManyField(Topic, related_name="publications", blank=True)
    published = models.DateField(
        "publication date", null=True, blank=True, help_text="Empty when not known (an imported page gives none)."
    )
    pages = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    price = models.DecimalField(
        "print price (£)", max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    on_sale = models.BooleanField("on sale", default=True)
    vat_rate = models.DecimalField(
        "VAT rate",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="As a fraction of the net price: 0 for printed books (zero-rated in the UK), 0.2 for 20%.",
    )
    cover = models.ImageField(upload_to="covers/", blank=True)
    stock = models.PositiveIntegerField(default=0, editable=False)
    # Of the copies out of stock, those held by unpaid orders (the hold policy's share of a
    # title): moved with the stock as an order takes or returns them, and let go when it is paid.
    held = models.PositiveIntegerField("held by unpaid orders", default=0, db_default=0, editable=False)
    reorder_level = models.PositiveIntegerField(
        default=10, help_text="At or under this many copies the publication counts as low on stock."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        # Newest first; publications without a date come last.
        ordering = [F("published").desc(nulls_last=True), "title", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="publication_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="publication_price_not_negative"),
        ]
        indexes = [
            # On PostgreSQL migration 0003 builds it as (published DESC NULLS LAST, title, id),
            # the order above; SQLite cannot index NULLS LAST and sorts NULL last in DESC anyway.
            models.Index(fields=["-published", "title", "id"], name="publication_catalogue_order"),
            models.Index(fields=["price"], name="publication_price"),
            models.Index(fields=["title"], name="publication_title"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # The stock and held columns belong to the ledger (services.stock_adjust_together). An
        # ordinary save of an existing row must not write back figures read earlier: that would
        # undo a sale made in between.
        if self._state.adding:
            if self.stock != 0 or self.held != 0:
                raise ValueError("A new publication starts with no stock; add copies with stock_adjust.")
        elif kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in ("stock", "held")
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return page_paths()(self.slug)

    @property
    def isbn_display(self) -> str:
        return hyphenate(self.isbn)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def is_low_stock(self) -> bool:
        return self.stock <= self.reorder_level


class PriceChange(models.Model):
    """One row per price a publication has had; the first has no old price."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="price_changes")
    old_price = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    new_price = models.DecimalField(max_digits=7, decimal_places=2)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.old_price} → {self.new_price}"


class StockMovement(models.Model):
    """The stock ledger: every change to a publication's stock, with its reason and who made it."""

    class Reason(models.TextChoices):
        GOODS_IN = "goods_in", "Goods in"
        DAMAGED = "damaged", "Damaged"
        CORRECTION = "correction", "Correction"
        SALE = "sale", "Sale"
        CANCELLATION = "cancellation", "Cancellation"
        RETURN = "return", "Return"

    # Which way each reason moves stock: +1 adds copies, -1 takes them away, 0 either.
    DIRECTION = {
        Reason.GOODS_IN: 1,
        Reason.DAMAGED: -1,
        Reason.CORRECTION: 0,
        Reason.SALE: -1,
        Reason.CANCELLATION: 1,
        Reason.RETURN: 1,
    }
    # Sales and cancellations come from orders; staff record the others by hand.
    STAFF_REASONS = [Reason.GOODS_IN, Reason.DAMAGED, Reason.CORRECTION, Reason.RETURN]

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="stock_movements")
    delta = models.IntegerField(help_text="Copies added (positive) or taken away (negative).")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)
    order_number = models.CharField(max_length=32, blank=True, db_index=True)
    stock_after = models.PositiveIntegerField(editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(delta=0), name="stock_movement_delta_not_zero")]

    def __str__(self):
        return f"{self.delta:+d} {self.get_reason_display()}"

    # No publication holds more copies than this: far above any print run, far below the column's limit.
    MAX_STOCK = 1_000_000

    @classmethod
    def check_direction(cls, *, reason: str, delta: int) -> None:
        """ValidationError unless `delta` is non-zero and goes the way `reason` says."""
        if delta == 0:
            raise ValidationError({"delta": "A stock movement changes stock by at least one copy."})
        if abs(delta) > cls.MAX_STOCK:
            raise ValidationError({"delta": f"A stock movement changes stock by at most {cls.MAX_STOCK:,} copies."})
        direction = cls.DIRECTION.get(reason)
        if direction is None:
            raise ValidationError({"reason": f"Unknown reason {reason!r}."})
        if direction and (delta > 0) != (direction > 0):
            label = cls.Reason(reason).label
            sign = "adds" if direction > 0 else "removes"
            raise ValidationError({"delta": f"'{label}' {sign} copies: give a {'positive' if direction > 0 else 'negative'} number."})


class Comment(models.Model):
    """A reader's comment on a publication; shown only once staff approve it.

    Its number is unique across the shop and never changes: the page links to each comment
    as #comment-{number}, and comments imported from the publisher's old pages keep the
    numbers other sites link to. New comments take the next number (comment_numbers).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    number = models.PositiveIntegerField(unique=True, editable=False)
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="comments")
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True, help_text="Never shown to readers; empty for comments imported from old pages.")
    job_title = models.CharField(max_length=100, blank=True)
    organisation = models.CharField(max_length=150, blank=True)
    body = models.TextField(max_length=5000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["publication", "status", "number"], name="comment_page_order")]

    def __str__(self):
        return f"#{self.number} {self.name} on {self.publication}"

    def get_absolute_url(self):
        return f"{self.publication.get_absolute_url()}#comment-{self.number}"

    def save(self, *args, **kwargs):
        if self.number is not None:
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):  # on SQLite, the write lock covers number and insert
            self.number = comment_numbers.next_number(using=kwargs.get("using"))
            super().save(*args, **kwargs)


def page_paths() -> Callable[[str], str]:
    """A publication's path by its slug, under the script prefix and URL configuration in use
    now; a list asks for this once and then for its 20 paths (reading those two from asgiref's
    locals cost 12 µs a publication)."""
    before, after = _page_path_around(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return lambda slug: before + slug + after


@lru_cache(maxsize=16)
def _page_path_around(script_prefix: str, urlconf) -> tuple[str, str]:
    """What comes before and after the slug in a publication's path, reversed once per script
    prefix and URL configuration: reverse() costs 20 µs, and a page of the catalogue lists 20
    publications. A slug is letters, digits, hyphens and underscores, which a path never quotes."""
    marker = "publication-slug-goes-here"
    before, found, after = reverse("catalogue:publication", kwargs={"slug": marker}, urlconf=urlconf).rpartition(marker)
    assert found, "the publication's path has its slug"
    return before, after
