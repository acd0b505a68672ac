"""Finance in the admin: download a report for a period, and the log of every download."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from orders import gateway
from shop.errors import ShopError

from . import finance, payouts, periods, services
from .api import report_response
from .models import Payout, PayoutItem, ReportDownload


class ReportForm(forms.Form):
    report = forms.ChoiceField(choices=[(name, report.title) for name, report in finance.REPORTS.items()])
    start = forms.DateField(label="From", widget=AdminDateWidget)
    end = forms.DateField(label="To (included)", widget=AdminDateWidget)
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "Excel")])
    include_unpaid = forms.BooleanField(required=False, label="Also orders never paid")

    def clean(self):
        cleaned = super().clean()
        if "start" in cleaned and "end" in cleaned:
            try:
                cleaned["period"] = finance.period_parse(cleaned["start"].isoformat(), cleaned["end"].isoformat())
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    self.add_error({"from": "start", "to": "end"}[field], errors)
        return cleaned


def _can_export(request) -> bool:
    return request.user.has_perm("orders.export_finance_reports")


class FinanceRecordAdmin(admin.ModelAdmin):
    """Records finance reads (and the shop writes): open to whoever may export finance reports,
    changed by no one in the admin."""

    def has_module_permission(self, request):
        return _can_export(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _can_export(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportDownload)
class ReportDownloadAdmin(FinanceRecordAdmin):
    """Finance reports: download one (the date picker), and the log of every download."""

    list_display = ["created_at", "user", "report", "period_from", "period_to", "format", "via"]
    list_filter = ["report", "via", "format", "created_at"]
    readonly_fields = [f.name for f in ReportDownload._meta.fields]

    change_list_template = "admin/reports/reportdownload/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name="reports_export"),
            path("pack/", view(self.pack_view), name="reports_pack"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        """The reports page: the form first (a preset fills its dates), past downloads below."""
        if not _can_export(request):
            return super().changelist_view(request, extra_context)
        today = timezone.localdate()
        presets = periods.presets(today)
        chosen = next((preset for preset in presets if preset.key == request.GET.get("preset")), None)
        period = chosen.period if chosen else presets[0].period
        form = ReportForm(initial={"start": period.start, "end": period.end, "format": "xlsx"})
        extra_context = {
            **(extra_context or {}), "title": "Finance reports", "report_form": form, "presets": presets, "chosen": chosen or presets[0],
            "last_month": periods.last_month(today), "media": self.media + form.media,
        }  # fmt: skip
        request.GET = request.GET.copy()
        request.GET.pop("preset", None)  # not a filter of the downloads listed
        return super().changelist_view(request, extra_context)

    def pack_view(self, request):
        """Every report for a period (last month unless given), as Excel files in one zip."""
        if not _can_export(request):
            raise PermissionDenied
        try:
            default = periods.last_month(timezone.localdate())
            period = finance.period_parse(request.GET.get("from") or default.start.isoformat(), request.GET.get("to") or default.end.isoformat())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect("admin:reports_reportdownload_changelist")
        if period.days > settings.REPORT_INLINE_MAX_DAYS:
            self.message_user(request, f"A pack covers at most {settings.REPORT_INLINE_MAX_DAYS} days at once; ask for each year apart.", messages.ERROR)
            return redirect("admin:reports_reportdownload_changelist")
        services.report_download_record(user=request.user, report=finance.PACK, period=period, format="zip", include_unpaid=False, via="admin")
        return FileResponse(finance.pack_file(period), as_attachment=True, filename=f"reports_{period}.zip", content_type="application/zip")

    def export_view(self, request):
        if not _can_export(request):
            raise PermissionDenied
        form = ReportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            period = data["period"]
            try:
                download = services.report_request(
                    user=request.user, report=data["report"], period=period, format=data["format"],
                    include_unpaid=data["include_unpaid"], via="admin",
                )  # fmt: skip
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                if download.via == "email":
                    self.message_user(request, f"The report is being built; a link will be emailed to {request.user.email}.", messages.SUCCESS)
                    return redirect("admin:reports_reportdownload_changelist")
                return report_response(
                    report=finance.REPORTS[data["report"]], period=period, file_format=data["format"], include_unpaid=data["include_unpaid"]
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Download a finance report",
            "form": form,
            "media": self.media + form.media,  # the date pickers need the admin's core.js too
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reports/reportdownload/export.html", context)


class PayoutUploadForm(forms.Form):
    file = forms.FileField(
        label="Stripe's itemised payout reconciliation export (CSV)",
        help_text="In Stripe's dashboard: Reports → Payout reconciliation → Itemised, download as CSV. Columns the shop does not need are ignored.",
    )  # fmt: skip


class PayoutFetchForm(forms.Form):
    payout = forms.RegexField(regex=r"^po_[A-Za-z0-9]+$", max_length=64, label="Stripe payout id", help_text="po_… as Stripe's dashboard shows it.")


class PayoutItemInline(admin.TabularInline):
    model = PayoutItem
    extra = 0
    can_delete = False
    fields = ["created", "reporting_category", "balance_transaction", "source_id", "order", "refund", "dispute", "gross", "fee", "net"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payout)
class PayoutAdmin(FinanceRecordAdmin):
    """Payouts as Stripe made them, each with what it carried; read one from Stripe on demand
    or upload Stripe's itemised export. The reconciliation itself is the "payouts" report."""

    list_display = ["stripe_id", "arrival_date", "amount", "source", "reconciled_at", "recorded_by"]
    list_filter = ["source", "arrival_date"]
    search_fields = ["stripe_id", "items__balance_transaction", "items__order__number"]
    readonly_fields = ["stripe_id", "amount", "currency", "arrival_date", "source", "reconciled_at", "recorded_by"]
    inlines = [PayoutItemInline]
    change_list_template = "admin/reports/payout/change_list.html"

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="reports_payout_upload"),
            path("fetch/", self.admin_site.admin_view(self.fetch_view), name="reports_payout_fetch"),
        ] + super().get_urls()

    def upload_view(self, request):
        if not _can_export(request):
            raise PermissionDenied
        form = PayoutUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                found = payouts.payouts_from_csv(form.cleaned_data["file"].read(), by=request.user)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                self.message_user(request, f"Read {len(found)} payout(s): {', '.join(p.stripe_id for p in found)}. "
                                           "Download the payouts report for the reconciliation.", messages.SUCCESS)  # fmt: skip
                return redirect("admin:reports_payout_changelist")
        return self._form_page(request, form, "Upload Stripe's payout reconciliation", "Upload and match")

    def fetch_view(self, request):
        if not _can_export(request):
            raise PermissionDenied
        form = PayoutFetchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                payout = payouts.payout_from_stripe(form.cleaned_data["payout"])
            except ShopError as error:
                form.add_error(None, error.message)
            except gateway.StripeError as error:
                form.add_error("payout", getattr(error, "user_message", None) or str(error))
            else:
                self.message_user(request, f"Read {payout.stripe_id} from Stripe: {payout.items.count()} balance transactions.", messages.SUCCESS)
                return redirect("admin:reports_payout_change", payout.pk)
        return self._form_page(request, form, "Read a payout from Stripe", "Read and match")

    def _form_page(self, request, form, title, submit):
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "opts": self.model._meta, "submit": submit}
        return TemplateResponse(request, "admin/reports/payout/form.html", context)
