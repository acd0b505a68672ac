"""Demo accounts for a laptop: admin/admin (superuser), staff/staff (Staff group) and finance/finance
(Finance group). Refused when DEBUG is off."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from shop.roles import STAFF


class Command(BaseCommand):
    help = "Create the demo accounts admin/admin, staff/staff and finance/finance for local use (only with DEBUG on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts have well-known passwords: refused with DEBUG off.")
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@localhost", "admin")
            self.stdout.write(self.style.SUCCESS("Created the demo superuser admin/admin."))
        for name, group in [("staff", STAFF), ("finance", "Finance")]:
            if not User.objects.filter(username=name).exists():
                user = User.objects.create_user(name, f"{name}@localhost", name, is_staff=True)
                user.groups.add(Group.objects.get(name=group))
                self.stdout.write(self.style.SUCCESS(f"Created the demo {group} user {name}/{name}."))
