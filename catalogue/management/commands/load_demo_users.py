"""Demo accounts for a laptop: admin/admin (superuser) and finance/finance (Finance group). Refused when DEBUG is off."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the demo accounts admin/admin and finance/finance for local use (only with DEBUG on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts have well-known passwords: refused with DEBUG off.")
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@localhost", "admin")
            self.stdout.write(self.style.SUCCESS("Created the demo superuser admin/admin."))
        if not User.objects.filter(username="finance").exists():
            finance = User.objects.create_user("finance", "finance@localhost", "finance", is_staff=True)
            finance.groups.add(Group.objects.get(name="Finance"))
            self.stdout.write(self.style.SUCCESS("Created the demo finance user finance/finance."))
