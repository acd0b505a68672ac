import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def count_held(apps, schema_editor):
    """Each title's held copies: those of the unpaid orders that hold theirs."""
    Publication, OrderLine = apps.get_model("catalogue", "Publication"), apps.get_model("orders", "OrderLine")
    held = (
        OrderLine.objects.filter(publication=OuterRef("pk"), order__status="pending_payment", order__holds_stock=True)
        .annotate(everything=Value(1)).values("everything").annotate(copies=Sum("quantity")).values("copies").order_by()
    )  # fmt: skip
    Publication.objects.update(held=Coalesce(Subquery(held), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_titles_count_their_held_copies"),
        ("orders", "0019_one_refund_per_stripe_refund"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(django.db.models.functions.text.Upper("email"), name="order_email_case_blind"),
        ),
        migrations.RunPython(count_held, migrations.RunPython.noop),
    ]
