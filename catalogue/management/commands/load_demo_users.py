"""Demo accounts for a laptop: admin/admin (superuser). Refused when DEBUG is off."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the demo superuser admin/admin for local use (only with DEBUG on)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts have well-known passwords: refused with DEBUG off.")
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@localhost", "admin")
            self.stdout.write(self.style.SUCCESS("Created the demo superuser admin/admin."))
