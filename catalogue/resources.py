"""Catalogue import and export (CSV, Excel) with django-import-export.

Text that a spreadsheet would run as a formula is exported with a leading ' and read back
without it (shop/spreadsheets.py), as in the finance reports.

An import goes through the same services as every other write: a price change is recorded
in the price history, and the `stock` column sets the stock level through a "correction"
movement in the ledger. The whole file is one transaction: one bad row and nothing applies.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX

from shop.spreadsheets import safe_text, unescaped

from . import isbn, services
from .forms import split_lines
from .models import Publication, StockMovement, Topic


class LinesWidget(widgets.Widget):
    """A list of strings in one cell, one per line (key findings, authors)."""

    def clean(self, value, row=None, **kwargs):
        return split_lines(value)

    def render(self, value, obj=None, **kwargs):
        return "\n".join(value or [])


# The file formats staff import and export, by file name ending.
FILE_FORMATS = {".csv": CSV, ".xlsx": XLSX}


class NumberWidget(widgets.Widget):
    """A number from a spreadsheet cell; anything else is a row error that says what was expected."""

    def __init__(self, parse, expected: str, **kwargs):
        self.parse = parse
        self.expected = expected
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        try:
            return self.parse(str(value).strip())
        except (ArithmeticError, ValueError):
            raise ValueError(f"{value!r} is not {self.expected}.") from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def _whole_number(text: str) -> int:
    number = Decimal(text)
    if number != number.to_integral_value():
        raise ValueError
    return int(number)


TOPIC_SEPARATOR = ";"


def _topic_slugs(value) -> list[str]:
    return [slug.strip() for slug in str(value or "").split(TOPIC_SEPARATOR) if slug.strip()]


class PublicationResource(resources.ModelResource):
    topics = fields.Field(
        attribute="topics",
        column_name="topics",
        widget=widgets.ManyToManyWidget(Topic, separator=TOPIC_SEPARATOR, field="slug"),
    )
    key_findings = fields.Field(attribute="key_findings", column_name="key_findings", widget=LinesWidget())
    authors = fields.Field(attribute="authors", column_name="authors", widget=LinesWidget())
    stock = fields.Field(attribute="stock", column_name="stock", widget=NumberWidget(_whole_number, "a whole number"))

    class Meta:
        model = Publication
        import_id_fields = ["isbn"]
        fields = [
            "isbn", "title", "subtitle", "slug", "price", "on_sale", "stock", "reorder_level",
            "pages", "published", "authors", "topics", "summary", "key_findings", "policy_implications",
        ]  # fmt: skip
        export_order = fields
        clean_model_instances = True
        use_transactions = True
        skip_diff = False

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user")

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if isinstance(f, models.DecimalField):
            return lambda **kwargs: NumberWidget(Decimal, "an amount in pounds, like 8.50", **kwargs)
        if isinstance(f, models.IntegerField):
            return lambda **kwargs: NumberWidget(_whole_number, "a whole number", **kwargs)
        return super().widget_from_django_field(f, default)

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        text = isinstance(value, str) and not isinstance(field.widget, NumberWidget)
        return safe_text(value) if text else value

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():  # the export's ' before a formula character comes off
            if isinstance(value, str):
                row[column] = unescaped(value)
        errors = {}
        # The ISBN finds the publication to update, so it is normalised before anything else.
        try:
            row["isbn"] = isbn.normalise(str(row.get("isbn") or ""))
        except ValidationError as error:
            errors["isbn"] = error.messages
        # Topics are set after the row is saved, where an error could not name its column.
        slugs = _topic_slugs(row.get("topics"))
        unknown = sorted(set(slugs) - set(Topic.objects.filter(slug__in=slugs).values_list("slug", flat=True)))
        if unknown:
            errors["topics"] = [f"Unknown topic(s): {', '.join(unknown)}. Add them in the admin first."]
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        current_stock = instance.stock
        super().import_instance(instance, row, **kwargs)
        target = instance.stock
        # Stock changes only through the ledger (after_save_instance); the row just says the target.
        instance.stock = current_stock
        instance.stock_target = target
        if target is None or target < 0:
            raise ValidationError({"stock": "Stock must be a whole number of copies, 0 or more."})
        if target > StockMovement.MAX_STOCK:
            raise ValidationError({"stock": f"Stock can be at most {StockMovement.MAX_STOCK:,} copies."})

    def do_instance_save(self, instance, is_create):
        services.publication_save(publication=instance, by=self.user)

    def after_save_instance(self, instance, row, **kwargs):
        current = Publication.objects.select_for_update().values_list("stock", flat=True).get(pk=instance.pk)
        if instance.stock_target != current:
            services.stock_adjust(
                publication=instance,
                delta=instance.stock_target - current,
                reason=StockMovement.Reason.CORRECTION,
                by=self.user,
                note="Catalogue import",
            )

    def dehydrate_isbn(self, publication):
        return publication.isbn
