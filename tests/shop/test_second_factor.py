"""The admin's second factor (attacker's "staff accounts worth their power"): with DEBUG off,
a password alone does not open the admin; an authenticator's code or a recovery code does;
idle staff sessions end; and one address cannot spray logins across usernames."""

import re
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_admin(settings):
    settings.ADMIN_REQUIRES_OTP = True


@pytest.fixture
def margaret():
    return UserFactory(username="margaret", is_staff=True, is_superuser=True)


def enrol(username: str) -> tuple[TOTPDevice, list[str]]:
    out = StringIO()
    call_command("otp_setup", username, stdout=out)
    lines = out.getvalue().splitlines()
    return TOTPDevice.objects.get(user__username=username), lines[-1].split()


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def sign_in(client, password="password", **extra):
    return client.post("/admin/login/?next=/admin/", {"username": "margaret", "password": password, **extra})


def test_otp_setup_prints_an_authenticator_link_and_ten_recovery_codes(margaret):
    out = StringIO()

    call_command("otp_setup", "margaret", stdout=out)

    text = out.getvalue()
    assert re.search(r"otpauth://totp/Print%20shop%3Amargaret\?secret=[A-Z2-7]+", text)
    assert len(text.splitlines()[-1].split()) == 10 == StaticToken.objects.filter(device__user=margaret).count()


def test_with_debug_off_a_password_alone_does_not_open_the_admin(client, margaret, production_admin):
    enrol("margaret")

    answer = sign_in(client)

    assert answer.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_session_signed_in_without_a_second_factor_does_not_open_the_admin(client, margaret, production_admin):
    client.force_login(margaret)

    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_authenticators_code_opens_the_admin(client, margaret, production_admin):
    device, _ = enrol("margaret")

    answer = sign_in(client, otp_device=device.persistent_id, otp_token=code(device))

    assert answer.status_code == 302, answer.content.decode()[:500]
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_keeps_the_admin_closed(client, margaret, production_admin):
    device, _ = enrol("margaret")

    sign_in(client, otp_device=device.persistent_id, otp_token=f"{(int(code(device)) + 1) % 1000000:06d}")

    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_opens_the_admin_once(client, margaret, production_admin):
    _, recovery = enrol("margaret")
    codes = StaticDevice.objects.get(user=margaret).persistent_id  # "Recovery codes" in the device list

    first = sign_in(client, otp_device=codes, otp_token=recovery[0])
    client.logout()
    again = sign_in(client, otp_device=codes, otp_token=recovery[0])

    assert first.status_code == 302
    assert again.status_code == 200 and "_auth_user_id" not in client.session


def test_with_debug_on_the_demo_logins_need_only_a_password(client, margaret, settings):
    settings.ADMIN_REQUIRES_OTP = False

    assert sign_in(client).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_an_idle_staff_session_ends(client, margaret, settings):
    settings.ADMIN_IDLE_MINUTES = 30
    client.force_login(margaret)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session["staff_last_seen"] = time.time() - 31 * 60
    session.save()

    answer = client.get("/admin/orders/order/")

    assert answer.status_code == 302 and answer["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session


def test_an_active_staff_session_goes_on(client, margaret, settings):
    settings.ADMIN_IDLE_MINUTES = 30
    client.force_login(margaret)
    session = client.session
    session["staff_last_seen"] = time.time() - 29 * 60
    session.save()

    assert client.get("/admin/").status_code == 200
