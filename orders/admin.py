"""Orders in the admin: find, inspect, cancel unpaid ones, refund paid ones; delivery rates."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from catalogue import isbn as isbn_rules
from shop.errors import ShopError

from . import outbox, refunds, rules, selectors, services, warehouse, working_days
from .money import money
from .models import (
    DeliveryMethod,
    DeliveryZone,
    Order,
    OrderLine,
    OutboxEntry,
    Payment,
    Refund,
    StripeEvent,
)  # fmt: skip


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["isbn", "title", "quantity", "refunded", "unit_price", "line_total", "vat_rate", "vat"]
    readonly_fields = ["refunded"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(refunded_copies=Sum("refund_lines__quantity"), refunded_amount=Sum("refund_lines__amount"))

    @admin.display(description="refunded")
    def refunded(self, line):
        if not line.refunded_amount:
            return "-"
        return f"{line.refunded_copies or 0} copies, £{money(line.refunded_amount)}"


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["created_at", "amount", "delivery_amount", "status", "restock", "reason", "message", "stripe_refund_id", "created_by"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    verbose_name_plural = "payment intents (one more after each declined card)"
    fields = ["attempt", "payment_intent", "created_at"]


def pounds(amount) -> str:
    return f"£{money(amount):,}" if amount is not None else "-"


def in_pounds(field: str, description: str):
    """An admin column or read-only field showing an order's `field` in pounds."""

    @admin.display(description=description, ordering=field)
    def show(self, order):
        return pounds(getattr(order, field))

    return show


class LateAtWarehouseFilter(admin.SimpleListFilter):
    title = "at the warehouse"
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [("yes", f"More than {settings.WAREHOUSE_LATE_WORKING_DAYS} working days, not dispatched")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=selectors.orders_late_at_warehouse().values("pk"))
        return queryset


class NotYetSentFilter(admin.SimpleListFilter):
    """The front page's "paid, not yet at the warehouse": partly refunded orders included,
    orders withdrawn from the warehouse (every copy refunded, sent by hand) left out."""

    title = "warehouse"
    parameter_name = "unsent"

    def lookups(self, request, model_admin):
        return [("yes", "Paid, not yet at the warehouse")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=selectors.orders_paid_not_sent().values("pk"))
        return queryset


class PaidInFilter(admin.SimpleListFilter):
    """The orders behind the front page's takings: paid today, or this week, by the finance
    reports' day rule."""

    title = "paid"
    parameter_name = "paid"

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("week", "This week (from Monday)")]

    def queryset(self, request, queryset):
        if self.value() in ("today", "week"):
            start, end = working_days.today_and_week(timezone.now())[self.value() == "week"]
            return queryset.filter(paid_at__gte=start, paid_at__lt=end)
        return queryset


class TechnicalAdmin(admin.ModelAdmin):
    """A model only superusers need in the admin's index (its pages stay reachable from an
    order's page for staff who may view it)."""

    def get_model_perms(self, request):
        return super().get_model_perms(request) if request.user.is_superuser else {}


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["order_number", "placed_at", "email", "status", "total_pounds", "flagged"]
    list_filter = ["status", "needs_attention", NotYetSentFilter, LateAtWarehouseFilter, PaidInFilter, "delivery_method", "placed_at"]
    date_hierarchy = "placed_at"
    search_fields = ["number", "email", "name", "postcode"]
    search_help_text = "Order number, email, name, postcode, or an ISBN in any format."
    # Status changes, emails, warehouse requests, Stripe's events and notes are on one timeline
    # (change_form.html), below the lines, refunds and payment intents.
    inlines = [LineInline, RefundInline, PaymentInline]
    change_form_template = "admin/orders/order/change_form.html"
    actions = ["cancel_unpaid", "refund_in_full", "retry_failed_sending", "clear_attention"]
    fieldsets = [
        (None, {"fields": ["number", "status", "refund_link", "needs_attention", "attention_reason"]}),
        ("Reader", {"fields": ["email", "name", "line1", "line2", "city", "postcode", "country", "delivery_method"]}),
        ("Money", {"fields": ["subtotal", "delivery", "vat", "total", "currency", "refunded", "payment_intent"]}),
        ("Times", {"fields": ["placed_at", "expires_at", "paid_at", "dispatched_at", "cancelled_at"]}),
        ("Dispatch", {"fields": ["carrier", "tracking_number"]}),
    ]

    class Media:
        css = {"all": ["orders/orders-admin.css"]}

    def get_readonly_fields(self, request, obj=None):
        return [self.READABLE.get(field, field) for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def get_fieldsets(self, request, obj=None):
        """Money in pounds, statuses by name, and no payment deadline on an order that was paid."""
        fieldsets = []
        for name, options in self.fieldsets:
            fields = [self.READABLE.get(field, field) for field in options["fields"]]
            if obj is not None and obj.status != Order.Status.PENDING_PAYMENT:
                fields = [field for field in fields if field != "expires_at"]
            fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    READABLE = {
        "subtotal": "subtotal_pounds", "delivery": "delivery_pounds", "vat": "vat_pounds", "total": "total_pounds",
        "payment_intent": "payment_in_stripe", "needs_attention": "attention",
    }  # fmt: skip
    subtotal_pounds = in_pounds("subtotal", "subtotal")
    delivery_pounds = in_pounds("delivery", "delivery")
    vat_pounds = in_pounds("vat", "VAT")
    total_pounds = in_pounds("total", "total")

    @admin.display(description="payment in Stripe")
    def payment_in_stripe(self, order):
        if not order.payment_intent:
            return "-"
        mode = "test/" if settings.STRIPE_SECRET_KEY.startswith("sk_test") else ""
        url = f"https://dashboard.stripe.com/{mode}payments/{order.payment_intent}"
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a> (opens Stripe\'s dashboard)', url, order.payment_intent)

    @admin.display(description="number", ordering="number")
    def order_number(self, order):
        return format_html('<span class="order-number">{}</span>', order.number)

    @admin.display(description="needs attention", ordering="needs_attention")
    def flagged(self, order):
        return format_html('<strong class="flagged">{}</strong>', "Yes") if order.needs_attention else ""

    @admin.display(description="needs attention")
    def attention(self, order):
        return format_html('<strong class="flagged">{}</strong>', "Yes") if order.needs_attention else "No"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        isbn13 = isbn_rules.normalise_or_none(search_term)
        if isbn13:
            results = results | queryset.filter(lines__isbn=isbn13)
            duplicates = True
        return results, duplicates

    @admin.display(description="refunded")
    def refunded(self, order):
        return pounds(order.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))["total"] or Decimal("0.00"))

    @admin.display(description="refund")
    def refund_link(self, order):
        if order.status not in services.REFUNDABLE:
            return "-"
        return format_html('<a class="button" href="{}">Refund copies or the whole order</a>', reverse("admin:orders_order_refund", args=[order.pk]))

    def _each(self, request, queryset, action, done: str):
        count = 0
        for order in queryset:
            try:
                action(order)
                count += 1
            except ShopError as error:
                self.message_user(request, f"{order.number}: {error.message}", messages.ERROR)
        if count:
            self.message_user(request, f"{count} order(s) {done}.", messages.SUCCESS)

    @admin.action(description="Cancel selected unpaid orders (returns their stock)", permissions=["change"])
    def cancel_unpaid(self, request, queryset):
        self._each(
            request, queryset.filter(status=Order.Status.PENDING_PAYMENT),
            lambda order: services.order_cancel_unpaid(order=order, by=request.user, note="Cancelled by staff"), "cancelled",
        )  # fmt: skip

    @admin.action(description="Refund selected orders in full (copies not returned to stock)…", permissions=["change"])
    def refund_in_full(self, request, queryset):
        """A page listing what each order would get back; only its button refunds them."""
        if not request.user.has_perm("orders.add_refund"):
            raise PermissionDenied
        form = RefundNoteFields(request.POST if request.POST.get("confirm") else None)
        plans, refused = [], []
        for order in queryset.prefetch_related("lines"):
            try:
                if order.status not in services.REFUNDABLE:
                    raise ValidationError(f"it is {order.get_status_display().lower()}")
                plans.append(refunds.refund_plan(order))
                order.refunds_seen = order.refunds.count()
            except (ValidationError, ShopError) as error:
                refused.append((order, getattr(error, "message", None) or " ".join(error.messages)))
        if form.is_bound and form.is_valid():
            notes = {"reason": form.cleaned_data["reason"], "message": form.cleaned_data["message"]}
            shown = []
            for plan in plans:
                if request.POST.get(f"amount_{plan.order.pk}") == str(plan.amount):
                    shown.append(plan)
                else:
                    self.message_user(request, f"{plan.order.number}: now £{plan.amount} to refund, not as shown; not refunded.", messages.WARNING)

            def refund(order):
                seen = int(request.POST.get(f"seen_{order.pk}", "-1"))
                return services.order_refund(order=order, by=request.user, refunds_seen=seen, **notes)

            self._each(request, [plan.order for plan in shown], refund, "refunded")
            return None
        context = {
            **self.admin_site.each_context(request), "title": "Refund these orders in full?", "opts": self.model._meta,
            "plans": plans, "refused": refused, "form": form, "total": sum((plan.amount for plan in plans), Decimal("0.00")),
            "action": "refund_in_full",
        }  # fmt: skip
        return TemplateResponse(request, "admin/orders/order/refund_bulk_confirm.html", context)

    @admin.action(description="Retry failed emails and warehouse requests", permissions=["change"])
    def retry_failed_sending(self, request, queryset):
        count = outbox.retry_failed(orders=queryset)
        self.message_user(request, f"{count} failed email(s) or request(s) sent again.", messages.SUCCESS)

    @admin.action(description="Mark as dealt with (clear the attention flag)", permissions=["change"])
    def clear_attention(self, request, queryset):
        count = services.order_attention_clear(orders=queryset, by=request.user)
        self.message_user(request, f"{count} order(s) cleared.", messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:order_id>/refund/", view(self.refund_view), name="orders_order_refund"),
            path("<int:order_id>/note/", view(self.note_view), name="orders_order_note"),
            path("<int:order_id>/address/", view(self.address_view), name="orders_order_address"),
            path("<int:order_id>/dispatch/", view(self.dispatch_view), name="orders_order_dispatch"),
            path("<int:order_id>/resend-confirmation/", view(self.resend_view), name="orders_order_resend"),
            path("<int:order_id>/packing-slip/", view(self.packing_slip_view), name="orders_order_packing_slip"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        if order is not None:
            can_work = self.has_change_permission(request, order)
            extra_context = {
                **(extra_context or {}), "timeline": selectors.order_timeline(order), "can_work": can_work,
                "note_form": NoteForm() if can_work else None,
                "can_correct_address": can_work and order.status in ADDRESS_CORRECTABLE,
                "can_dispatch": can_work and order.can_become(Order.Status.DISPATCHED) and order.status != Order.Status.PENDING_PAYMENT,
                "can_resend": can_work and order.paid_at is not None,
                "can_refund": request.user.has_perm("orders.add_refund") and order.status in services.REFUNDABLE,
                # Nothing on the order's own form is edited here: each job has its page.
                "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
            }  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

    def _order_for_work(self, request, order_id) -> Order:
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        return order

    def _page(self, request, order, template, title, **context):
        context = {**self.admin_site.each_context(request), "title": title, "order": order, "opts": self.model._meta, **context}
        return TemplateResponse(request, template, context)

    def note_view(self, request, order_id):
        order = self._order_for_work(request, order_id)
        if request.method != "POST":
            return redirect("admin:orders_order_change", order.pk)
        form = NoteForm(request.POST)
        if form.is_valid():
            services.order_note_add(order=order, text=form.cleaned_data["text"], by=request.user)
            self.message_user(request, "Note added to the timeline.", messages.SUCCESS)
        else:
            self.message_user(request, "The note was empty: nothing added.", messages.WARNING)
        return redirect(reverse("admin:orders_order_change", args=[order.pk]) + "#timeline")

    def _form_job(self, request, order, form, do, *, done: str, template: str, title: str):
        """A job done through a form on its own page: shown, then done once valid (a refusal
        shown on the form), then back to the order."""
        if request.method == "POST" and form.is_valid():
            try:
                do(form.cleaned_data)
            except ShopError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:orders_order_change", order.pk)
        return self._page(request, order, template, title, form=form)

    def address_view(self, request, order_id):
        """Correct the delivery address while the warehouse does not have the order."""
        order = self._order_for_work(request, order_id)
        return self._form_job(
            request, order, AddressForm(order, request.POST or None),
            lambda data: services.order_address_correct(order=order, address=data, by=request.user),
            done=f"The delivery address of {order.number} is corrected.",
            template="admin/orders/order/address.html", title=f"Correct the address of {order.number}",
        )  # fmt: skip

    def dispatch_view(self, request, order_id):
        """Record a parcel staff sent themselves: the reader gets the dispatch email, and the
        warehouse is told not to send it."""
        order = self._order_for_work(request, order_id)
        return self._form_job(
            request, order, DispatchForm(request.POST or None),
            lambda data: services.order_dispatch_by_hand(order=order, by=request.user, **data),
            done=f"{order.number} is recorded as dispatched; the reader is emailed the tracking.",
            template="admin/orders/order/dispatch.html", title=f"Record a dispatch by hand of {order.number}",
        )  # fmt: skip

    def resend_view(self, request, order_id):
        """Send the reader the confirmation again: a page that says to whom, and a button."""
        order = self._order_for_work(request, order_id)
        if request.method == "POST":
            try:
                services.order_confirmation_resend(order=order, by=request.user)
            except ShopError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"The confirmation of {order.number} is being sent again to {order.email}.", messages.SUCCESS)
            return redirect("admin:orders_order_change", order.pk)
        return self._page(request, order, "admin/orders/order/resend.html", f"Send the confirmation of {order.number} again?")

    def packing_slip_view(self, request, order_id):
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        lines = warehouse.lines_now(order)
        return TemplateResponse(request, "admin/orders/order/packing_slip.html", {
            "order": order, "lines": [line for line in lines if line["quantity"] > 0], "shop_name": settings.SHOP_NAME,
            "seller_address": settings.SELLER_ADDRESS,
        })  # fmt: skip

    def refund_view(self, request, order_id):
        """Choose what to refund, see exactly what it comes to, then confirm: nothing is refunded
        before the confirmation page's button."""
        if not request.user.has_perm("orders.add_refund"):
            raise PermissionDenied
        order = get_object_or_404(Order, pk=order_id)
        form = RefundForm(order, request.POST or None)
        template = "admin/orders/order/refund.html"
        if request.method == "POST" and form.is_valid():
            template = "admin/orders/order/refund_confirm.html"
            if request.POST.get("confirm") == form.confirmation:  # confirmed, for this amount after these refunds
                try:
                    refund = services.order_refund(order=order, by=request.user, refunds_seen=form.refunds_seen, **form.refund_arguments())
                except (ValidationError, ShopError) as error:
                    form.add_error(None, getattr(error, "message", None) or " ".join(error.messages))
                    template = "admin/orders/order/refund.html"
                else:
                    self.message_user(request, f"Refunded £{refund.amount} on {order.number} ({refund.stripe_refund_id}).", messages.SUCCESS)
                    return redirect("admin:orders_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request), "title": f"Refund {order.number}", "order": order, "form": form,
            "opts": self.model._meta, "plan": getattr(form, "plan", None),
        }  # fmt: skip
        return TemplateResponse(request, template, context)


ADDRESS_CORRECTABLE = {Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED}


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note (staff only)", widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), max_length=5000,
        help_text="A call or email from the reader, what you agreed, anything the next person should know.",
    )  # fmt: skip


class AddressForm(forms.Form):
    """The delivery address (the order's own fields, as the order has them), checked as at
    checkout (a UK postcode written as Royal Mail does). services.order_address_correct writes it."""

    def __init__(self, order, *args, **kwargs):
        super().__init__(*args, initial={field: getattr(order, field) for field in services.ADDRESS_FIELDS}, **kwargs)
        self.fields.update(forms.fields_for_model(Order, fields=services.ADDRESS_FIELDS))
        self.order = order
        self.fields["postcode"].help_text = f"The country stays {order.country.name}: delivery was charged for it."

    def clean_postcode(self):
        return rules.postcode_normalised(self.cleaned_data["postcode"], self.order.country.code)


class DispatchForm(forms.Form):
    carrier = forms.CharField(max_length=100, help_text="e.g. Royal Mail Tracked 48")
    tracking_number = forms.CharField(max_length=100, required=False, help_text="As the carrier printed it; the reader gets it by email.")


class RefundNoteFields(forms.Form):
    reason = forms.CharField(
        max_length=255, label="Reason (for staff and finance; never sent to the reader)",
        help_text="Why the money goes back: a damaged copy, a lost parcel, goodwill.",
    )  # fmt: skip
    message = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        label="Message to the reader (optional; put in the refund email as it is)",
    )  # fmt: skip


class RefundForm(RefundNoteFields):
    """What to refund of one order: chosen copies and/or the delivery, a custom amount, or the
    whole of what is left. A valid form carries the plan (orders.refunds) it comes to."""

    whole_order = forms.BooleanField(required=False, label="Refund everything not yet refunded, delivery included")
    delivery = forms.BooleanField(required=False)
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), decimal_places=2, label="Or a custom amount (£)",
        help_text="Spread over what is left of the lines and the delivery, in proportion to each.",
    )  # fmt: skip
    restock = forms.BooleanField(required=False, label="The copies came back: return them to stock")
    field_order = ["whole_order", "delivery", "amount", "restock", "reason", "message"]

    def __init__(self, order, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        lines_left, delivery_left, _ = refunds.left_to_refund(order)
        self.lines = [left.line for left in lines_left]
        for left in lines_left:
            line = left.line
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.title} (£{line.unit_price} each; {left.copies} of {line.quantity} refundable)",
                min_value=0, max_value=left.copies, initial=0, required=False,
            )  # fmt: skip
        self.fields["delivery"].label = f"Refund the delivery (£{delivery_left.amount} left of £{order.delivery})"
        if delivery_left.amount <= 0:
            del self.fields["delivery"]
        self.order_fields(["whole_order", *[f"line_{line.pk}" for line in self.lines], *self.field_order[1:]])

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0 for line in self.lines}

    def refund_arguments(self) -> dict:
        data = self.cleaned_data
        common = {"restock": data["restock"], "reason": data["reason"], "message": data["message"]}
        if data["whole_order"]:
            return common
        if data.get("amount"):
            return {**common, "amount": data["amount"]}
        return {**common, "quantities": self.quantities(), "delivery": bool(data.get("delivery"))}

    def clean(self):
        cleaned = super().clean()
        chosen = any(self.quantities().values()) or cleaned.get("delivery")
        ways = [bool(cleaned.get("whole_order")), cleaned.get("amount") is not None, bool(chosen)]
        if sum(ways) != 1:
            raise ValidationError("Choose one: copies and/or the delivery, a custom amount, or everything.")
        if self.errors:
            return cleaned
        arguments = {key: value for key, value in self.refund_arguments().items() if key in ("quantities", "delivery", "amount")}
        try:
            self.refunds_seen = self.order.refunds.count()
            self.plan = refunds.refund_plan(self.order, **arguments)
            # What the confirmation button carries: the amount shown, and how many refunds the
            # order had then (a second click finds one more, and refunds nothing).
            self.confirmation = f"{self.plan.amount}:{self.refunds_seen}"
        except ValidationError as error:
            raise ValidationError(" ".join(error.messages)) from None
        except ShopError as error:
            raise ValidationError(error.message) from None
        return cleaned


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["created_at", "order", "amount", "status", "restock", "stripe_refund_id", "created_by"]
    list_filter = ["status", "created_at"]
    search_fields = ["order__number", "stripe_refund_id"]
    readonly_fields = [
        "order", "amount", "delivery_amount", "delivery_vat", "reason", "message", "restock", "status", "stripe_refund_id",
        "created_by", "created_at", "refunded_at",
    ]  # fmt: skip
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send pending refunds to Stripe again (same idempotency key)", permissions=["change"])
    def send_again(self, request, queryset):
        for refund in queryset.filter(status=Refund.Status.PENDING):
            try:
                services.refund_send(refund=refund)
            except ShopError as error:
                self.message_user(request, f"Refund {refund.pk}: {error.message}", messages.ERROR)


class DeliveryMethodInline(admin.TabularInline):
    model = DeliveryMethod
    extra = 0


@admin.register(DeliveryZone)
class DeliveryZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "rest_of_world"]
    inlines = [DeliveryMethodInline]


@admin.register(DeliveryMethod)
class DeliveryMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "zone", "price", "free_over", "vat_rate", "active"]
    list_editable = ["price", "free_over", "active"]
    list_filter = ["zone", "active"]


@admin.register(StripeEvent)
class StripeEventAdmin(TechnicalAdmin):
    list_display = ["received_at", "type", "event_id", "order", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id", "payment_intent", "order__number"]
    readonly_fields = ["event_id", "type", "payment_intent", "order", "outcome", "payload", "received_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxEntry)
class OutboxEntryAdmin(TechnicalAdmin):
    list_display = ["created_at", "order", "kind", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["order__number", "key"]
    readonly_fields = [f.name for f in OutboxEntry._meta.fields]

    def has_add_permission(self, request):
        return False
