"""Finance in the admin: download a report for a period, and the log of every download."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from . import finance, services
from .api import report_response
from .models import ReportDownload


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


@admin.register(ReportDownload)
class ReportDownloadAdmin(admin.ModelAdmin):
    """Finance reports: download one (the date picker), and the log of every download."""

    list_display = ["created_at", "user", "report", "period_from", "period_to", "format", "via"]
    list_filter = ["report", "via", "format", "created_at"]
    readonly_fields = [f.name for f in ReportDownload._meta.fields]

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

    def get_urls(self):
        return [path("export/", self.admin_site.admin_view(self.export_view), name="reports_export")] + super().get_urls()

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
