"""Finance reports over the API: a period's report as CSV or Excel, or a link to one a worker built."""

from django.core import signing as django_signing
from django.core.files.storage import storages
from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.files import private_file_response

from . import finance, services
from .models import ReportDownload

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FirstRenderer(BaseContentNegotiation):
    """Reports use `?format=` for csv or xlsx, which DRF would otherwise take as its renderer switch."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CanExportReports(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("orders.export_finance_reports")


def report_response(*, report, period, file_format: str, include_unpaid: bool):
    """The report as a download: CSV streamed row by row, Excel from a temporary file."""
    if file_format == "csv":
        response = StreamingHttpResponse(finance.csv_lines(report, period, include_unpaid), content_type="text/csv; charset=utf-8")
    else:
        response = FileResponse(finance.xlsx_file(report, period, include_unpaid), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{report.name}_{period}.{file_format}"'
    return response


class ReportDownloadView(APIView):
    """A finance report for a period of whole days (Europe/London), by paid date: CSV or Excel."""

    permission_classes = [permissions.IsAuthenticated, CanExportReports]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            OpenApiParameter("format", str, enum=["csv", "xlsx"], required=False),
            OpenApiParameter("include_unpaid", bool, required=False, description="Also never-paid orders (orders and lines reports)"),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX_TYPE): OpenApiTypes.BINARY, 400: OpenApiResponse(description="Field messages")},
    )
    def get(self, request, name):
        report = finance.REPORTS.get(name)
        if report is None:
            raise NotFound(f"No report called {name!r}; there are {', '.join(finance.REPORTS)}.")
        period = finance.period_parse(request.query_params.get("from"), request.query_params.get("to"))
        file_format = request.query_params.get("format", "csv")
        if file_format not in ("csv", "xlsx"):
            raise serializers.ValidationError({"format": "Choose csv or xlsx."})
        include_unpaid = request.query_params.get("include_unpaid", "").lower() in ("1", "true", "yes")
        download = services.report_request(
            user=request.user, report=name, period=period, format=file_format, include_unpaid=include_unpaid, via="api"
        )
        if download.via == "email":
            return Response(
                {"status": "building", "detail": f"This report is being built; a download link will be emailed to {request.user.email}."},
                status=status.HTTP_202_ACCEPTED,
            )
        return report_response(report=report, period=period, file_format=file_format, include_unpaid=include_unpaid)


class ReportFileView(APIView):
    """A report a worker built, from the link emailed to the finance user who asked for it."""

    permission_classes = [permissions.IsAuthenticated, CanExportReports]

    @extend_schema(
        responses={
            200: OpenApiTypes.BINARY,
            302: OpenApiResponse(description="To the file in the object store, through a link that works for a minute"),
            404: OpenApiResponse(description="No such report"),
            410: OpenApiResponse(description="The link has expired"),
        }
    )
    def get(self, request, token):
        try:
            download_id = finance.download_id_from(token)
        except django_signing.SignatureExpired:
            return Response({"code": "link_expired", "detail": "This link has expired: ask for the report again."}, status=status.HTTP_410_GONE)
        except django_signing.BadSignature:
            raise NotFound("No such report.") from None
        download = ReportDownload.objects.filter(pk=download_id, user=request.user).exclude(file="").first()
        if download is None:
            raise NotFound("No such report.")
        filename = f"{download.report}_{download.period_from}_{download.period_to}.{download.format}"
        return private_file_response(storages["reports"], download.file, filename)
