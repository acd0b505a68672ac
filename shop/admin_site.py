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
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminAuthenticationForm


class ShopAdminSite(AdminSite):
    """The back office: branded with the shop's name, opening on the day's work (shop.dashboard)."""

    index_template = "admin/shop_index.html"
    index_title = "Today"

    @property
    def site_header(self):
        return f"{settings.SHOP_NAME}: back office"

    @property
    def site_title(self):
        return f"{settings.SHOP_NAME} back office"

    def login(self, request, extra_context=None):
        """Finance lands on the reports page, unless sent somewhere in particular."""
        response = super().login(request, extra_context)
        user = request.user
        if (
            request.method == "POST" and response.status_code == 302
            and (request.POST.get("next") or request.GET.get("next") or "") in ("", reverse("admin:index"))
            and user.is_authenticated and user.has_perm("orders.export_finance_reports") and not user.has_perm("orders.change_order")
        ):  # fmt: skip
            return redirect("admin:reports_reportdownload_changelist")
        return response

    def index(self, request, extra_context=None):
        from . import dashboard  # the apps' selectors, loaded once the apps are

        extra_context = {
            **(extra_context or {}),
            "work_counts": dashboard.work_counts(request.user), "takings": dashboard.takings(request.user),
        }  # fmt: skip
        return super().index(request, extra_context)

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRES_OTP else AdminAuthenticationForm

    @property
    def login_template(self):
        return "otp/admin111/login.html" if settings.ADMIN_REQUIRES_OTP else None

    def has_permission(self, request):
        verified = not settings.ADMIN_REQUIRES_OTP or request.user.is_verified()
        return super().has_permission(request) and verified
