"""Reader pages: basket, checkout, card payment and the order's status page."""

import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from catalogue.errors import InsufficientStock
from catalogue.models import Publication
from shop.ratelimits import limit

from . import order_links, pdf, rules, selectors, services
from .basket import Basket
from .errors import HoldLimitReached, IdempotencyKeyReused, PaymentUnavailable
from .forms import AddToBasketForm, CheckoutForm, FindOrdersForm
from .models import CreditNote, DeliveryMethod, Order, Receipt

QUANTITY = re.compile(r"[0-9]{1,4}")  # ASCII digits only: "²" is a digit to str.isdigit(), not to int()
CHECKOUT_KEY = "checkout"  # session: the details typed at checkout and the idempotency key
PENDING_ORDER = "pending_order"  # session: the order placed and not yet paid


def _checkout_session(request) -> dict:
    return request.session.setdefault(CHECKOUT_KEY, {"key": uuid.uuid4().hex, "delivery_method": "uk-standard"})


def _delivery_method(request) -> DeliveryMethod:
    code = _checkout_session(request).get("delivery_method")
    return DeliveryMethod.objects.filter(code=code, active=True).first() or DeliveryMethod.objects.filter(active=True).first()


def _basket_problems(items) -> list[str]:
    """What stops this basket becoming an order: the order rules (orders/rules.py) and the stock."""
    errors = [rules.lines_error(items), rules.copies_error(items), *rules.on_sale_errors(items)]
    problems = [message for error in errors if error for message in error.messages]
    problems += [
        f"Only {publication.stock} copies of “{publication.title}” are in stock."
        for publication, quantity in items if publication.on_sale and publication.stock < quantity
    ]  # fmt: skip
    return problems


def basket(request):
    items = Basket(request.session).items()
    method = _delivery_method(request)
    context = {
        "items": items,
        "methods": selectors.delivery_methods(),  # their prices; the choice is made once, at checkout
        "quote": services.order_quote(items=items, delivery_method=method) if items else None,
        "problems": _basket_problems(items),
        "max_copies": rules.max_copies(),
    }
    return render(request, "orders/basket.html", context)


def _delivery_choices(items) -> list[tuple[DeliveryMethod, services.Quote]]:
    """Each method with what this basket would cost with it, for the prices beside each choice
    and the totals that follow the choice (orders/checkout.js swaps the figures; no sums in it)."""
    return [(method, services.order_quote(items=items, delivery_method=method)) for method in selectors.delivery_methods()]


def _cap_to_stock(request, basket: Basket) -> None:
    """No line asks for more copies than are in stock: each one that did is cut to what there
    is, with a message naming the title (none in stock: the title leaves the basket)."""
    for publication, quantity in basket.items():
        if publication.on_sale and quantity > publication.stock:
            basket.set(publication.isbn, publication.stock)
            if publication.stock:
                messages.warning(request, f"Only {publication.stock} copies of “{publication.title}” are in stock: your basket now has {publication.stock}.")
            else:
                messages.warning(request, f"“{publication.title}” has just sold out, so it has left your basket.")


@require_POST
def basket_add(request):
    form = AddToBasketForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That could not be added to your basket.")
        return redirect("orders:basket")
    publication = Publication.objects.filter(isbn=form.cleaned_data["isbn"]).first()
    if publication is None:
        raise Http404("No such publication.")
    if not publication.on_sale or not publication.in_stock:
        messages.error(request, f"Sorry, “{publication.title}” is out of stock.")
        return redirect(publication.get_absolute_url())
    basket = Basket(request.session)
    basket.add(publication.isbn, form.cleaned_data["quantity"])
    messages.success(request, f"“{publication.title}” is in your basket.")
    _cap_to_stock(request, basket)
    return redirect("orders:basket")


@require_POST
def basket_update(request):
    basket = Basket(request.session)
    unreadable = False
    for isbn in list(basket.copies):
        value = request.POST.get(f"quantity-{isbn}", "")
        if request.POST.get("remove") == isbn:
            basket.set(isbn, 0)
        elif QUANTITY.fullmatch(value.strip()):
            basket.set(isbn, int(value))
        elif value.strip():
            unreadable = True
            messages.error(request, f"A quantity is a whole number from 0 to {rules.max_copies()}.")
    _cap_to_stock(request, basket)
    if "checkout" in request.POST and not unreadable:  # "Checkout" submits the basket: what was typed applies on the way
        return redirect("orders:checkout")
    messages.success(request, "Basket updated.")
    return redirect("orders:basket")


@never_cache
@limit("ORDER_RATE", group="orders.place")
def checkout(request):
    basket_items = Basket(request.session).items()
    if not basket_items:
        messages.info(request, "Your basket is empty.")
        return redirect("orders:basket")
    if _basket_problems(basket_items):  # said on the basket page, before anyone types an address
        return redirect("orders:basket")
    session = _checkout_session(request)
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        if form.is_valid():
            session.update({k: str(v) for k, v in form.cleaned_data.items() if k != "delivery_method"})
            session["delivery_method"] = form.cleaned_data["delivery_method"].code
            request.session.modified = True
            order = _place(request, form, basket_items, session["key"])
            if order is not None:
                request.session[PENDING_ORDER] = {"number": order.number, "token": order.token}
                session["key"] = uuid.uuid4().hex  # the next checkout is a new order
                request.session.modified = True
                return redirect("orders:payment")
    else:
        form = CheckoutForm(initial={k: v for k, v in session.items() if k != "key"})
    choices = _delivery_choices(basket_items)
    # The choice as the reader made it, even one the form refused (a method that does not go to their country).
    usual = _delivery_method(request)
    chosen = form["delivery_method"].value() if form.is_bound else usual.code
    method, quote = next(((m, q) for m, q in choices if m.code == chosen), None) or (
        usual, services.order_quote(items=basket_items, delivery_method=usual)
    )  # fmt: skip
    context = {"form": form, "items": basket_items, "quote": quote, "method": method, "choices": choices}
    return render(request, "orders/checkout.html", context, status=400 if form.errors else 200)


def _place(request, form, items, idempotency_key) -> Order | None:
    try:
        return services.order_place(
            email=form.cleaned_data["email"],
            address=form.address(),
            delivery_method=form.cleaned_data["delivery_method"],
            items=items,
            idempotency_key=f"checkout-{idempotency_key}",
            client_address=request.META.get("REMOTE_ADDR", ""),
            fingerprint=services.request_fingerprint(
                {**form.address(), "email": form.cleaned_data["email"], "delivery_method": form.cleaned_data["delivery_method"].code,
                 "items": [(publication.isbn, quantity) for publication, quantity in items]}
            ),  # fmt: skip
        )
    except InsufficientStock as shortage:
        title = next((publication.title for publication, _ in items if publication.isbn == shortage.details["isbn"]), shortage.details["isbn"])
        form.add_error(None, f"Only {shortage.details['available']} copies of “{title}” are in stock. Please change your basket.")
    except HoldLimitReached as limit:
        form.add_error(None, limit.message)
    except ValidationError as error:
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    except PaymentUnavailable as error:  # the order was cancelled: a retry is a new order
        form.add_error(None, error.message)
        _checkout_session(request)["key"] = uuid.uuid4().hex
        request.session.modified = True
    except IdempotencyKeyReused:
        form.add_error(None, "Your details changed while the order was being placed: please check them and try again.")
        _checkout_session(request)["key"] = uuid.uuid4().hex
        request.session.modified = True
    return None


@never_cache
def payment(request):
    pending = request.session.get(PENDING_ORDER)
    order = Order.objects.filter(number=(pending or {}).get("number")).select_related("delivery_method").prefetch_related("lines").first()
    if order is None:
        return redirect("orders:basket")
    if order.status != Order.Status.PENDING_PAYMENT:
        return redirect(_status_url(order))
    context = {
        "order": order,
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "pay_url": reverse("api-order-pay", kwargs={"number": order.number}),
        "status_url": _status_url(order),
    }
    return render(request, "orders/payment.html", context)


def _status_url(order: Order) -> str:
    return f"{reverse('orders:order', kwargs={'number': order.number})}?token={order.token}"


@never_cache  # it shows the address and, while unpaid, the PaymentIntent's client secret
@limit("STATUS_RATE", method="GET", group="orders.status")
def order_status(request, number):
    order = selectors.order_for_token(number, request.GET.get("token", ""))
    if order is None:
        raise Http404("No such order.")
    pending = request.session.get(PENDING_ORDER) or {}
    if pending.get("number") == order.number and order.status != Order.Status.PENDING_PAYMENT:
        Basket(request.session).clear()  # bought: the basket has done its job
        request.session.pop(PENDING_ORDER, None)
    refunded = sum((refund.amount for refund in order.refunds.all()), Decimal("0.00"))
    context = {"order": order, "paying": order.status == Order.Status.PENDING_PAYMENT, "refunded": refunded, "net_paid": order.total - refunded}
    return render(request, "orders/order.html", context)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@never_cache  # the reader's name and address
@limit("STATUS_RATE", method="GET", group="orders.status")
def receipt(request, number):
    """The order's VAT receipt, for the holder of its token, once it is paid."""
    order = selectors.order_for_token(number, request.GET.get("token", ""))
    found = Receipt.objects.select_related("order__delivery_method").filter(order=order).first() if order else None
    if found is None:
        raise Http404("No receipt for this order.")
    return _pdf(pdf.receipt_pdf(found), f"receipt-{found.code}-{order.number}.pdf")


@never_cache
@limit("STATUS_RATE", method="GET", group="orders.status")
def credit_note(request, number, credit_note):
    """A credit note of the order's, for the holder of its token."""
    order = selectors.order_for_token(number, request.GET.get("token", ""))
    notes = CreditNote.objects.select_related("refund__order", "receipt__order").filter(refund__order=order, number=credit_note)
    found = notes.first() if order else None
    if found is None:
        raise Http404("No such credit note for this order.")
    return _pdf(pdf.credit_note_pdf(found), f"credit-note-{found.code}-{order.number}.pdf")


def _recipient(group, request) -> str:
    """The rate limit's key for the address asked for (its capitals aside)."""
    return request.POST.get("email", "").strip().lower()


def _asks_for_an_address(request) -> bool:
    """Only a valid address counts against that address's limit (typos get the form's error)."""
    return FindOrdersForm(request.POST).is_valid()


@never_cache
@limit("FIND_ORDERS_RATE", group="orders.find")
@limit("FIND_ORDERS_RECIPIENT_RATE", group="orders.find.recipient", key=_recipient, applies=_asks_for_an_address)
def find_orders(request):
    """"Find my orders": the same answer, and the same work, for any address (known or not)."""
    form = FindOrdersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        order_links.order_links_request(email=form.cleaned_data["email"])
        return render(request, "orders/find_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "orders/find.html", {"form": form}, status=400 if form.errors else 200)
