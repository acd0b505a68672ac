"""Shared REST framework plumbing: the JSON parser's limits, error mapping and pagination."""

import copy

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django_ratelimit.exceptions import Ratelimited
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
import orjson
from rest_framework import pagination, parsers, renderers, serializers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ShopError
from .pagination import BoundedPaginator
from .ratelimits import RATE_LIMITED_DETAIL, retry_after_seconds


# No request the shop understands nests deeper than an order's items (3); a body nested far
# deeper is refused before anything walks it (3,000 nested arrays overflowed the parser's stack).
MAX_JSON_DEPTH = 10


def _nesting_errors(data) -> str:
    """Why the parsed body is refused ("" if it is not): nested too deeply, or a NUL character."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return f"JSON nested more than {MAX_JSON_DEPTH} levels deep."
        if isinstance(value, str) and "\x00" in value:
            return "Null characters are not allowed."
        if isinstance(value, dict):
            if any("\x00" in key for key in value):
                return "Null characters are not allowed."
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return ""


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the shop's limits: at most MAX_JSON_DEPTH levels of nesting and no
    NUL characters (PostgreSQL can store neither in text); each a 400, never a server error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.") from None
        problem = _nesting_errors(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return data


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, writing with orjson: what DRF writes (compact, UTF-8, U+2028 and
    U+2029 escaped), byte for byte for what the API sends (tests/shop/test_json_renderer.py),
    in under half the time: a page of the list in 50 µs instead of 130 (writing it was 6% of an
    uncached page's instructions).
    What orjson does not write as DRF does is handed to DRF's own encoder: dates and times
    (DRF's ISO 8601: milliseconds, "Z" for UTC), decimals, lazy texts and anything else it
    knows. An indented answer (`Accept: application/json; indent=4`, the browsable API) is
    DRF's to write."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        body = orjson.dumps(data, default=_DRF_ENCODER.default, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS)
        return body.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")


_DRF_ENCODER = JSONEncoder()


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
    """`?page=` as the contract says, counted up to LIST_COUNT_LIMIT (shop.pagination): past it,
    `count` is the limit and `count_exact` is false ("more than count")."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = BoundedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_exact"] = self.page.paginator.count_is_exact
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_exact"] = {
            "type": "boolean", "description": "False when there are more than `count` results (counting stops there).",
        }  # fmt: skip
        return schema


class FieldsOnce:
    """A ModelSerializer works its fields out from the model for every instance it makes (a
    third of a millisecond for a publication), and any serializer deep-copies its declared
    fields for each instance (an order's, with its address, items and 250 countries to choose
    from, was 7% of placing it). With this, a serializer works them out once per class and gives
    each instance shallow copies to bind (its name and parent). A deep copy builds every field
    again from its arguments, a list's child too: 0.3 ms for the publication's detail. Shallow
    copies share what reading and validating never change (validators, choices); a list's child
    and a nested serializer are copied too, and work out their own fields from their class's, so
    that what one instance binds or validates stays its own."""

    def get_fields(self):
        return {name: _copy_to_bind(field) for name, field in self._unbound_fields().items()}

    def _unbound_fields(self) -> dict:
        """The class's fields, worked out once and never bound. A serializer that writes its
        fields out itself converts values with them (a DecimalField's to_representation reads
        only its own arguments) and so needs no copies at all."""
        cls = type(self)
        if "_fields_once" not in cls.__dict__:
            cls._fields_once = super().get_fields()
        return cls._fields_once


def _copy_to_bind(field):
    copied = copy.copy(field)
    if isinstance(getattr(field, "child", None), serializers.Field):
        copied.child = _copy_to_bind(field.child)
        copied.child.parent = copied  # bound once already, by the list's __init__; only its parent differs
    return copied


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's SlugRelatedField, refusing NUL characters (which PostgreSQL cannot store or compare)
    and anything longer than the slug's column, with a field message instead of letting them
    reach the query; the schema says the length (ShopSlugFieldExtension). With `find` (a slug's
    object from the queryset, or None; a shop.prepared query, say), that looks it up instead of
    a query built for every request."""

    def __init__(self, *args, find=None, **kwargs):
        self.find = find
        super().__init__(*args, **kwargs)

    @property
    def max_length(self) -> int | None:
        model = self.queryset.model if self.queryset is not None else None
        return model._meta.get_field(self.slug_field).max_length if model else None

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError("Null characters are not allowed.")
        if isinstance(data, str) and self.max_length and len(data) > self.max_length:
            raise serializers.ValidationError(f"At most {self.max_length} characters.")
        if self.find is None or not isinstance(data, str | int):
            return super().to_internal_value(data)
        found = self.find(str(data))
        if found is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return found


class ShopSlugFieldExtension(OpenApiSerializerFieldExtension):
    target_class = SlugRelatedField

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string"}
        if self.target.max_length:
            schema["maxLength"] = self.target.max_length
        return schema
