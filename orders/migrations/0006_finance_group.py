"""The Finance group, whose members may export finance reports."""

from django.db import migrations


def create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    order_type, _ = ContentType.objects.get_or_create(app_label="orders", model="order")
    export, _ = Permission.objects.get_or_create(
        content_type=order_type, codename="export_finance_reports", defaults={"name": "Can export finance reports"}
    )
    finance, _ = Group.objects.get_or_create(name="Finance")
    finance.permissions.add(export)


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Finance").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_finance_reports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create, remove)]
