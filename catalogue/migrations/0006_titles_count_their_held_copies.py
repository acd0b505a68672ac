"""Publication.held: the copies unpaid orders hold, kept on the title's row so that the hold
policy reads one row instead of summing every unpaid order (orders.0020 counts them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0005_search_indexes_without_pending_lists"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="held",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False, verbose_name="held by unpaid orders"),
        ),
    ]
