"""Finance's API routes, mounted under /api/."""

from django.urls import path

from . import api

urlpatterns = [
    path("reports/download/<str:token>/", api.ReportFileView.as_view(), name="api-report-file"),
    path("reports/<str:name>/", api.ReportDownloadView.as_view(), name="api-report"),
]
