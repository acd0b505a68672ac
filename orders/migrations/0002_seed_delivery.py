"""Seed delivery zones and methods: UK (free standard delivery over £25), Europe, rest of world.

Staff change them in the admin; this only runs once, on a new database."""

from decimal import Decimal

from django.db import migrations

UK = ["GB", "IM", "JE", "GG"]
EUROPE = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
    "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "CH", "AD", "MC", "SM",
    "VA", "AL", "BA", "ME", "MK", "RS", "MD", "UA", "TR", "GI", "FO",
]  # fmt: skip

METHODS = [
    ("uk", "uk-standard", "UK standard (Royal Mail 2nd class)", "2.95", "25.00", "2-4 working days", 0),
    ("uk", "uk-express", "UK express (tracked, next working day)", "6.50", None, "next working day", 1),
    ("europe", "europe-standard", "Europe standard (tracked)", "7.50", None, "4-8 working days", 0),
    ("world", "world-standard", "Rest of the world (tracked)", "12.00", None, "7-15 working days", 0),
]


def seed(apps, schema_editor):
    DeliveryZone = apps.get_model("orders", "DeliveryZone")
    DeliveryMethod = apps.get_model("orders", "DeliveryMethod")
    zones = {
        "uk": DeliveryZone.objects.get_or_create(code="uk", defaults={"name": "United Kingdom", "countries": UK})[0],
        "europe": DeliveryZone.objects.get_or_create(code="europe", defaults={"name": "Europe", "countries": EUROPE})[0],
        "world": DeliveryZone.objects.get_or_create(
            code="world", defaults={"name": "Rest of the world", "rest_of_world": True}
        )[0],
    }
    for zone, code, name, price, free_over, estimate, position in METHODS:
        DeliveryMethod.objects.get_or_create(
            code=code,
            defaults={
                "zone": zones[zone], "name": name, "price": Decimal(price), "estimate": estimate, "position": position,
                "free_over": Decimal(free_over) if free_over else None,
            },
        )  # fmt: skip


def unseed(apps, schema_editor):
    apps.get_model("orders", "DeliveryMethod").objects.all().delete()
    apps.get_model("orders", "DeliveryZone").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
