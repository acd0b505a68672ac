"""Enrol a staff member in the admin's second factor: an authenticator app and recovery codes."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10


class Command(BaseCommand):
    help = (
        "Give USERNAME a new authenticator (TOTP) device and ten single-use recovery codes for the "
        "admin's second factor, replacing any they had. Prints the otpauth:// link (scan it as a QR "
        "code, or type its secret into the app) and the recovery codes, once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    @transaction.atomic
    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        recovery = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
        self.stdout.write(f"Authenticator for {username} ({getattr(settings, 'OTP_TOTP_ISSUER', '')}):")
        self.stdout.write(device.config_url)
        self.stdout.write("Recovery codes (each works once; keep them somewhere safe):")
        self.stdout.write(" ".join(codes))
