"""The orders' JSON API: place an order, follow it with its token, pay for it, and Stripe's webhook."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue import isbn as isbn_rules
from catalogue import selectors as catalogue_selectors
from catalogue.models import StockMovement
from shop import signing
from shop.api import FieldsOnce, SlugRelatedField
from shop.ratelimits import limit

from . import gateway, rules, selectors, services
from .errors import InvalidSignature
from .models import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderStatusChange,
    Refund,
    RefundLine,
)

log = logging.getLogger(__name__)


class AddressSerializer(FieldsOnce, serializers.Serializer):
    name = serializers.CharField(max_length=150)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = CountryField()


class ItemSerializer(FieldsOnce, serializers.Serializer):
    isbn = serializers.CharField(max_length=20)
    # How many an order may have in all is the service's rule (ORDER_MAX_COPIES, or a bulk order's).
    quantity = serializers.IntegerField(min_value=1, max_value=StockMovement.MAX_STOCK)

    def validate_isbn(self, value):
        try:
            return isbn_rules.normalise(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class OrderCreateSerializer(FieldsOnce, serializers.Serializer):
    email = serializers.EmailField(max_length=Order._meta.get_field("email").max_length)
    delivery = AddressSerializer()
    # The codes are data staff edit, so the schema names where they are listed rather than
    # freezing today's as an enum that a client would hold against tomorrow's.
    delivery_method = SlugRelatedField(
        slug_field="code", queryset=DeliveryMethod.objects.filter(active=True), find=selectors.active_delivery_method,
        help_text="One of the codes GET /api/delivery-methods/?country=… lists for the delivery country "
        "(uk-standard, for instance).",
    )  # fmt: skip
    items = ItemSerializer(many=True, allow_empty=False, max_length=rules.MAX_LINES)  # maxItems: schema_limits
    bulk = serializers.BooleanField(
        default=False,
        help_text="A bulk order: more copies than ORDER_MAX_COPIES, up to BULK_ORDER_MAX_COPIES. Its copies are reserved "
        "when it is paid, not when it is placed (if they are gone by then, the payment is refunded in full).",
    )

    def validate_items(self, items):
        quantities: dict[str, int] = {}
        for item in items:
            quantities[item["isbn"]] = quantities.get(item["isbn"], 0) + item["quantity"]
        publications = catalogue_selectors.publications_by_isbn(list(quantities))
        unknown = [f"No publication has ISBN {isbn}." for isbn in quantities if isbn not in publications]
        if unknown:
            raise serializers.ValidationError(unknown)
        # The order's rules (on sale, how many, where to) are order_place's (orders/rules.py).
        return [(publications[isbn], quantity) for isbn, quantity in quantities.items()]


class OrderLineSerializer(FieldsOnce, serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["isbn", "title", "quantity", "unit_price", "line_total"]


class StatusChangeSerializer(FieldsOnce, serializers.ModelSerializer):
    class Meta:
        model = OrderStatusChange
        fields = ["from_status", "to_status", "changed_at", "note"]


class RefundLineSerializer(FieldsOnce, serializers.ModelSerializer):
    isbn = serializers.CharField(source="order_line.isbn")

    class Meta:
        model = RefundLine
        fields = ["isbn", "quantity", "amount"]


class DocumentSerializer(serializers.Serializer):
    """A VAT document of the order's (receipt or credit note): its number and its PDF."""

    number = serializers.CharField(source="code", help_text="e.g. R-000042 or CN-000007")
    issued_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="The PDF, for the holder of the order's token")

    def get_url(self, document) -> str:
        order = self.context["order"]
        if hasattr(document, "refund"):
            path = reverse("orders:credit-note", kwargs={"number": order.number, "credit_note": document.number})
        else:
            path = reverse("orders:receipt", kwargs={"number": order.number})
        return self.context["request"].build_absolute_uri(f"{path}?token={order.token}")


def _document(serializer, document, order: Order) -> dict | None:
    return DocumentSerializer(document, context={**serializer.context, "order": order}).data if document else None


class RefundSerializer(FieldsOnce, serializers.ModelSerializer):
    lines = RefundLineSerializer(many=True, read_only=True)
    credit_note = serializers.SerializerMethodField()

    class Meta:
        model = Refund
        fields = ["amount", "status", "created_at", "refunded_at", "lines", "credit_note"]

    @extend_schema_field(DocumentSerializer(allow_null=True))
    def get_credit_note(self, refund) -> dict | None:
        return _document(self, getattr(refund, "credit_note", None), refund.order)


class OrderSerializer(FieldsOnce, serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    delivery_address = serializers.SerializerMethodField()
    delivery_method = SlugRelatedField(slug_field="code", read_only=True)
    payment = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()
    history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)
    receipt = serializers.SerializerMethodField(help_text="The VAT receipt, once the order is paid")
    reserved = serializers.BooleanField(
        source="holds_stock", read_only=True,
        help_text="Whether the copies are set aside; false for a bulk order (or a title mostly held) until it is paid",
    )  # fmt: skip

    class Meta:
        model = Order
        fields = [
            "number", "status", "email", "lines", "subtotal", "delivery", "vat", "total", "currency",
            "delivery_address", "delivery_method", "payment", "status_url", "placed_at", "expires_at",
            "paid_at", "history", "reserved", "refunds", "receipt",
        ]  # fmt: skip

    @extend_schema_field(DocumentSerializer(allow_null=True))
    def get_receipt(self, order) -> dict | None:
        return _document(self, getattr(order, "receipt", None), order)

    def get_delivery_address(self, order) -> dict:
        return {field: str(getattr(order, field)) for field in ("name", "line1", "line2", "city", "postcode", "country")}

    def get_payment(self, order) -> dict:
        payable = order.status == Order.Status.PENDING_PAYMENT
        return {
            "provider": "stripe",
            "payment_intent": order.payment_intent,
            "client_secret": order.client_secret if payable else "",
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY if payable else "",
        }

    def get_status_url(self, order) -> str:
        return self.context["request"].build_absolute_uri(f"/orders/{order.number}/?token={order.token}")


def _order_for(number: str, token: str) -> Order:
    """The order, only for the holder of its token: a wrong token or number looks the same."""
    order = selectors.order_for_token(number, token)
    if order is None:
        raise NotFound("No such order.")
    return order


class NeverStored(APIView):
    """Every answer about an order, errors too, is `Cache-Control: no-store`: it shows the address
    and, while unpaid, the PaymentIntent's client secret."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class OrderCreate(NeverStored):
    """Place an order for print copies. Send an `Idempotency-Key` header to retry safely."""

    @extend_schema(
        request=OrderCreateSerializer,
        responses={
            201: OrderSerializer,
            400: OpenApiResponse(description="Field messages"),
            409: OpenApiResponse(
                description="insufficient_stock (with isbn and available), hold_limit_reached (with by, held and limit), "
                "idempotency_key_reused"
            ),
            503: OpenApiResponse(description="payment_unavailable: nothing reserved, try again"),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", {"type": "string", "maxLength": rules.IDEMPOTENCY_KEY_LENGTH}, OpenApiParameter.HEADER,
                required=False, description="Any string up to 100 characters; a repeat returns the order the first request placed",
            )
        ],
    )
    @method_decorator(limit("ORDER_RATE", group="orders.place"))
    def post(self, request):
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            order = services.order_place(
                email=data["email"],
                address=dict(data["delivery"]),
                delivery_method=data["delivery_method"],
                items=data["items"],
                idempotency_key=request.headers.get("Idempotency-Key") or None,
                fingerprint=services.request_fingerprint(request.data),
                client_address=request.META.get("REMOTE_ADDR", ""),
                bulk=data["bulk"],
            )
        except DjangoValidationError as error:
            raise _as_payload_fields(error) from None
        order = selectors.order_read_back(order)
        return Response(OrderSerializer(order, context={"request": request}).data, status=status.HTTP_201_CREATED)


class DeliveryMethodSerializer(serializers.ModelSerializer):
    delivery_window = serializers.CharField(source="estimate", help_text="How long it takes, e.g. 2-4 working days")
    free_over = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, help_text="Items coming to at least this much travel free; null if never"
    )  # fmt: skip

    class Meta:
        model = DeliveryMethod
        fields = ["code", "name", "price", "free_over", "delivery_window"]


class DeliveryMethodList(APIView):
    """The delivery methods an order may choose, with their prices: those that go to `country`
    (an ISO 3166 code such as GB), or all of them without it."""

    @extend_schema(
        parameters=[OpenApiParameter("country", str, required=False, description="ISO 3166-1 alpha-2 code, e.g. GB")],
        responses={200: DeliveryMethodSerializer(many=True), 400: OpenApiResponse(description="Unknown country")},
    )
    def get(self, request):
        query = CountryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        methods = selectors.delivery_methods(country=query.validated_data.get("country"))
        return Response(DeliveryMethodSerializer(methods, many=True).data)


class CountryQuerySerializer(serializers.Serializer):
    country = CountryField(required=False)


def _as_payload_fields(error: DjangoValidationError) -> serializers.ValidationError:
    """order_place's errors where the payload has the field (the address's under "delivery"),
    each keeping its rule's code (orders/rules.py) for clients that read codes."""
    fields, delivery = {}, {}
    for field, errors in error.error_dict.items():
        details = [ErrorDetail(message, code=e.code) for e in errors for message in e.messages]
        (delivery if field in AddressSerializer().fields else fields)[field] = details
    return serializers.ValidationError({**fields, **({"delivery": delivery} if delivery else {})})


def schema_limits(result, generator, request, public):
    """drf-spectacular postprocessing: the limits the serializers cannot state themselves (a
    list serializer's length) come from orders/rules.py."""
    items = result.get("components", {}).get("schemas", {}).get("OrderCreateRequest", {}).get("properties", {}).get("items")
    if items is not None:
        items["maxItems"] = rules.MAX_LINES
    return result


class OrderDetail(NeverStored):
    """The order and its status, for the holder of the token in its status link."""

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
        responses={200: OrderSerializer, 404: OpenApiResponse(description="No such order")},
    )
    @method_decorator(limit("STATUS_RATE", method="GET", group="orders.status"))
    def get(self, request, number):
        order = _order_for(number, request.query_params.get("token", ""))
        return Response(OrderSerializer(order, context={"request": request}).data)


class PaySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=Order._meta.get_field("token").max_length)
    # pm_… from Stripe.js; card_… where only a card token could be made (localstripe in development).
    payment_method = serializers.RegexField(r"^(pm|card)_\w+$", max_length=100)


class OrderPay(NeverStored):
    """Pay with the card entered on the checkout page (a PaymentMethod id from Stripe.js).

    `requires_action` means 3-D Secure: finish it with `stripe.confirmCardPayment(client_secret)`."""

    @extend_schema(
        request=PaySerializer,
        responses={200: OpenApiResponse(description="status (succeeded, requires_action, requires_payment_method), client_secret, error, order_status")},
    )
    @method_decorator(limit("PAY_RATE", group="orders.pay"))
    def post(self, request, number):
        serializer = PaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = _order_for(number, serializer.validated_data["token"])
        intent = services.order_pay(order=order, payment_method=serializer.validated_data["payment_method"])
        order.refresh_from_db(fields=["status"])
        return Response(
            {
                "status": intent.status,
                "client_secret": intent.client_secret if intent.status == "requires_action" else "",
                "error": intent.error,
                "order_status": order.status,
            }
        )


@extend_schema(exclude=True)
class StripeWebhook(APIView):
    """Stripe's signed events. Anything unsigned or forged is a 400 and changes nothing."""

    authentication_classes = []
    permission_classes = []

    def post(self, request):
        try:
            event = gateway.webhook_event(request.body, request.headers.get("Stripe-Signature", ""))
        except InvalidSignature as error:
            log.warning("Rejected a Stripe webhook: %s", error.message)
            raise InvalidSignature() from None  # the reason stays in our log
        stored = services.stripe_event_receive(event)
        return Response({"received": stored.event_id, "outcome": stored.outcome})


stripe_webhook = csrf_exempt(StripeWebhook.as_view())


class DispatchReportSerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=16)
    carrier = serializers.CharField(max_length=100)
    tracking_number = serializers.CharField(max_length=100)


@extend_schema(
    request=DispatchReportSerializer,
    responses={200: OpenApiResponse(description="order_number and status"), 400: OpenApiResponse(description="invalid_signature or field messages")},
    parameters=[OpenApiParameter(signing.HEADER, str, OpenApiParameter.HEADER, description="sha256=HMAC-SHA256 of the body with the shared secret")],
)
class FulfilmentDispatch(APIView):
    """The warehouse reports a parcel dispatched (signed with the shared secret; a repeat changes nothing)."""

    authentication_classes = []
    permission_classes = []

    def post(self, request):
        if not signing.verify(request.body, request.headers.get(signing.HEADER, ""), settings.FULFILMENT_SECRET):
            log.warning("Rejected a dispatch report with a bad signature")
            raise InvalidSignature()
        serializer = DispatchReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = Order.objects.filter(number=data["order_number"]).first()
        if order is None:
            raise NotFound("No such order.")
        order = services.order_dispatched(order=order, carrier=data["carrier"], tracking_number=data["tracking_number"])
        return Response({"order_number": order.number, "status": order.status})


fulfilment_dispatch = csrf_exempt(FulfilmentDispatch.as_view())
