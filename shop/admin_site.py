"""The admin's door: a second factor for staff and finance whenever DEBUG is off.

Staff and finance can refund money and export customer data, so with ADMIN_REQUIRES_OTP (on
whenever DEBUG is off) the admin asks, after the password, for a code from an authenticator app
(TOTP) or one of the person's single-use recovery codes (django-otp); a session signed in
without one does not open the admin. `make run`'s demo logins (DEBUG on) keep working with a
password alone. Enrol someone with `django-admin otp_setup USERNAME`.
"""

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import AdminSite
from django_otp.admin import OTPAdminAuthenticationForm


class ShopAdminSite(AdminSite):
    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRES_OTP else AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.ADMIN_REQUIRES_OTP else None

    def has_permission(self, request):
        verified = not settings.ADMIN_REQUIRES_OTP or request.user.is_verified()
        return super().has_permission(request) and verified
