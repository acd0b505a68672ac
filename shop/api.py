"""Shared REST framework plumbing: error mapping and pagination."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django_ratelimit.exceptions import Ratelimited
from rest_framework import pagination, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ShopError
from .ratelimits import RATE_LIMITED_DETAIL, retry_after_seconds


def exception_handler(exc, context):
    """Business errors become 409 (or their own status) with a code, model validation 400 with field messages,
    rate limits 429 with Retry-After; everything else is DRF's usual answer."""
    if isinstance(exc, ShopError):
        return Response({"code": exc.code, "detail": exc.message, **exc.details}, status=exc.http_status)
    if isinstance(exc, Ratelimited):
        response = Response(
            {"code": "rate_limited", "detail": RATE_LIMITED_DETAIL},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        response["Retry-After"] = str(retry_after_seconds(context["request"]))
        return response
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"code": "request_too_large", "detail": f"Requests may be at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's SlugRelatedField, refusing NUL characters (which PostgreSQL cannot store or compare)
    with a field message instead of letting them reach the query."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError("Null characters are not allowed.")
        return super().to_internal_value(data)
