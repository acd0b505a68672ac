"""Who gets what: every URL the shop serves, for each of anonymous, a reader holding one order's
token, staff without permissions, staff (the Staff group) and finance (the Finance group).

ROWS is the table: a request and the status each role gets. `test_every_url_the_shop_serves_has_a_row`
fails when a URL is added (a page, an API route, a model registered in the admin) without a row
saying who may use it. An anonymous visitor or reader sent away from the admin is sent to its login.
"""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from catalogue import services as catalogue_services
from catalogue.models import Publication
from orders.models import (
    CreditNote,
    DeliveryMethod,
    DeliveryZone,
    Order,
    OrderLine,
    OutboxEntry,
    Receipt,
    Refund,
    StripeEvent,
)
from reports import finance as reports
from reports.models import Payout, ReportDownload
from shop.roles import STAFF
from tests.factories import CommentFactory, StaffFactory, TopicFactory
from tests.payments import order_body

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "reader", "no_perms", "staff", "finance")


def who(anonymous, reader, no_perms, staff, finance) -> dict:
    return dict(zip(ROLES, (anonymous, reader, no_perms, staff, finance)))


def everyone(status) -> dict:
    return who(status, status, status, status, status)


@dataclass
class Row:
    pattern: str  # the route as Django's resolver spells it
    method: str
    path: str  # filled in from the world: {slug} {isbn} {number} {token} {order_id} {pk} ...
    expected: dict
    data: dict | None = None
    as_json: bool = False
    world: dict = field(default_factory=dict)

    @property
    def id(self):
        return f"{self.method} {self.path}"


# --- pages, API and the health check ------------------------------------------------------------
TODAY = date.today().isoformat()
ORDER = order_body(("9781909029088", 1))
ROWS = [
    Row("healthz", "get", "/healthz", everyone(200)),
    Row("favicon.ico", "get", "/favicon.ico", everyone(301)),
    # Covers are public; there is none here, and no path leads outside MEDIA_ROOT.
    Row("^media/(?P<path>.*)$", "get", "/media/covers/no-such-cover.png", everyone(404)),
    Row("", "get", "/", everyone(200)),
    Row("publications/<slug:slug>/", "get", "/publications/{slug}/", everyone(200)),
    Row("publications/<slug:slug>/comments/", "post", "/publications/{slug}/comments/",
        everyone(302), data={"name": "A Reader", "email": "a@example.org", "body": "Useful."}),
    Row("basket/", "get", "/basket/", everyone(200)),
    Row("basket/add/", "post", "/basket/add/", everyone(302), data={"isbn": "{isbn}", "quantity": 1}),
    Row("basket/update/", "post", "/basket/update/", everyone(302), data={"isbn": "{isbn}", "quantity": 0}),
    Row("checkout/", "get", "/checkout/", everyone(302)),  # an empty basket goes back to the basket
    Row("checkout/payment/", "get", "/checkout/payment/", everyone(302)),  # no order of this visitor's waits
    # An order's status page needs that order's token: the reader has it, nobody else does.
    Row("orders/find/", "get", "/orders/find/", everyone(200)),
    Row("orders/find/", "post", "/orders/find/", everyone(200), data={"email": "{role}@example.org"}),  # one address each: a limit per address
    Row("orders/<str:number>/", "get", "/orders/{number}/?token={token}", who(404, 200, 404, 404, 404)),
    Row("orders/<str:number>/receipt/", "get", "/orders/{number}/receipt/?token={token}", who(404, 200, 404, 404, 404)),
    Row("orders/<str:number>/credit-notes/<int:credit_note>/", "get", "/orders/{number}/credit-notes/{credit_note}/?token={token}",
        who(404, 200, 404, 404, 404)),
    Row("api/schema/", "get", "/api/schema/", everyone(200)),
    Row("api/docs/", "get", "/api/docs/", everyone(200)),
    Row("api/publications/", "get", "/api/publications/", everyone(200)),
    Row("api/publications/<str:isbn>/", "get", "/api/publications/{isbn}/", everyone(200)),
    Row("api/publications/<str:isbn>/", "patch", "/api/publications/{isbn}/", who(401, 401, 403, 200, 403),
        data={"price": "9.00"}, as_json=True),
    Row("api/publications/<str:isbn>/comments/", "get", "/api/publications/{isbn}/comments/", everyone(200)),
    Row("api/publications/<str:isbn>/comments/", "post", "/api/publications/{isbn}/comments/", everyone(201),
        data={"name": "A Reader", "email": "a@example.org", "body": "Useful."}, as_json=True),
    Row("api/publications/<str:isbn>/stock/", "post", "/api/publications/{isbn}/stock/", who(401, 401, 403, 201, 403),
        data={"delta": 5, "reason": "goods_in"}, as_json=True),
    Row("api/delivery-methods/", "get", "/api/delivery-methods/?country=GB", everyone(200)),
    Row("api/orders/", "post", "/api/orders/", everyone(201), data=ORDER, as_json=True),
    Row("api/orders/<str:number>/", "get", "/api/orders/{number}/?token={token}", who(404, 200, 404, 404, 404)),
    # The reader reaches the payment (Stripe refuses the made-up card: 400); nobody else finds the order.
    Row("api/orders/<str:number>/pay/", "post", "/api/orders/{number}/pay/", who(404, 400, 404, 404, 404),
        data={"token": "{token}", "payment_method": "pm_unknown"}, as_json=True),
    # Only Stripe's and the warehouse's signatures open these; being logged in does not.
    Row("api/payments/stripe/webhook/", "post", "/api/payments/stripe/webhook/", everyone(400),
        data={"id": "evt_1", "type": "payment_intent.succeeded"}, as_json=True),
    Row("api/fulfilment/dispatch/", "post", "/api/fulfilment/dispatch/", everyone(400),
        data={"order_number": "{number}", "carrier": "Royal Mail", "tracking_number": "RM1"}, as_json=True),
    Row("api/reports/<str:name>/", "get", f"/api/reports/orders/?from={TODAY}&to={TODAY}", who(401, 401, 403, 403, 200)),
    # A link emailed to another finance user: finance gets past the door, then finds nothing.
    Row("api/reports/download/<str:token>/", "get", "/api/reports/download/{report_link}/", who(401, 401, 403, 403, 404)),
]  # fmt: skip

# --- the admin's own pages ----------------------------------------------------------------------
TO_LOGIN = 302
ROWS += [
    Row("admin/", "get", "/admin/", who(TO_LOGIN, TO_LOGIN, 200, 200, 200)),
    Row("admin/login/", "get", "/admin/login/", who(200, 200, 302, 302, 302)),  # staff already in: to the index
    Row("admin/logout/", "post", "/admin/logout/", who(302, 302, 200, 200, 200)),  # not logged in: to the index
    Row("admin/password_change/", "get", "/admin/password_change/", who(TO_LOGIN, TO_LOGIN, 200, 200, 200)),
    Row("admin/password_change/done/", "get", "/admin/password_change/done/", who(TO_LOGIN, TO_LOGIN, 200, 200, 200)),
    Row("admin/autocomplete/", "get", "/admin/autocomplete/?app_label=catalogue&model_name=publication&field_name=topics",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),  # topics: for whoever may see them
    Row("admin/jsi18n/", "get", "/admin/jsi18n/", who(TO_LOGIN, TO_LOGIN, 200, 200, 200)),
    # "View on site" leads to a publication's public page, whoever asks; an order has no public page.
    Row("admin/r/<path:content_type_id>/<path:object_id>/", "get", "/admin/r/{publication_type}/{publication}/",
        who(TO_LOGIN, TO_LOGIN, 302, 302, 302)),
    Row("admin/r/<path:content_type_id>/<path:object_id>/", "get", "/admin/r/{order_type}/{order_id}/",
        who(TO_LOGIN, TO_LOGIN, 404, 404, 404)),
    Row("admin/^(?P<app_label>auth|authtoken|axes|otp_totp|otp_static|catalogue|orders|reports)/$", "get", "/admin/catalogue/",
        who(TO_LOGIN, TO_LOGIN, 404, 200, 404)),
    Row("admin/^(?P<app_label>auth|authtoken|axes|otp_totp|otp_static|catalogue|orders|reports)/$", "get", "/admin/orders/",
        who(TO_LOGIN, TO_LOGIN, 404, 200, 200)),
    Row("admin/^(?P<app_label>auth|authtoken|axes|otp_totp|otp_static|catalogue|orders|reports)/$", "get", "/admin/auth/",
        who(TO_LOGIN, TO_LOGIN, 404, 404, 404)),
    Row("admin/(?P<url>.*)$", "get", "/admin/nothing-here/", who(TO_LOGIN, TO_LOGIN, 404, 404, 404)),
    Row("admin/orders/order/<int:order_id>/refund/", "get", "/admin/orders/order/{order_id}/refund/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),
    Row("admin/orders/order/<int:order_id>/note/", "post", "/admin/orders/order/{order_id}/note/",
        who(TO_LOGIN, TO_LOGIN, 403, 302, 403)),
    Row("admin/orders/order/<int:order_id>/address/", "get", "/admin/orders/order/{order_id}/address/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),
    Row("admin/orders/order/<int:order_id>/dispatch/", "get", "/admin/orders/order/{order_id}/dispatch/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),
    Row("admin/orders/order/<int:order_id>/resend-confirmation/", "get", "/admin/orders/order/{order_id}/resend-confirmation/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),
    Row("admin/orders/order/<int:order_id>/packing-slip/", "get", "/admin/orders/order/{order_id}/packing-slip/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 200)),
    Row("admin/catalogue/publication/low-stock/", "get", "/admin/catalogue/publication/low-stock/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),
    Row("admin/reports/reportdownload/pack/", "get", "/admin/reports/reportdownload/pack/",
        who(TO_LOGIN, TO_LOGIN, 403, 403, 200)),
    Row("admin/reports/payout/upload/", "get", "/admin/reports/payout/upload/", who(TO_LOGIN, TO_LOGIN, 403, 403, 200)),
    Row("admin/reports/payout/fetch/", "get", "/admin/reports/payout/fetch/", who(TO_LOGIN, TO_LOGIN, 403, 403, 200)),
    Row("admin/reports/reportdownload/export/", "get", "/admin/reports/reportdownload/export/",
        who(TO_LOGIN, TO_LOGIN, 403, 403, 200)),
    Row("admin/catalogue/publication/import/", "get", "/admin/catalogue/publication/import/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),
    Row("admin/catalogue/publication/process_import/", "post", "/admin/catalogue/publication/process_import/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403), data={}),  # staff: the form asks again for the file
    Row("admin/catalogue/publication/export/", "get", "/admin/catalogue/publication/export/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),
    Row("admin/catalogue/comment/<int:comment_id>/moderate/", "post", "/admin/catalogue/comment/{catalogue_comment}/moderate/",
        who(TO_LOGIN, TO_LOGIN, 403, 302, 403), data={"status": "approved"}),
    Row("admin/catalogue/publication/import-pages/", "get", "/admin/catalogue/publication/import-pages/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403)),
    Row("admin/catalogue/publication/import-pages/", "post", "/admin/catalogue/publication/import-pages/",
        who(TO_LOGIN, TO_LOGIN, 403, 200, 403), data={}),  # staff: the form asks for the files
    Row("admin/auth/user/<id>/password/", "get", "/admin/auth/user/{user}/password/",
        who(TO_LOGIN, TO_LOGIN, 403, 403, 403)),
    # An authenticator's secret as a QR code: superusers only (they enrol people; `otp_setup` too).
    Row("admin/otp_totp/totpdevice/<int:pk>/config/", "get", "/admin/otp_totp/totpdevice/{otp_totp_totpdevice}/config/",
        who(TO_LOGIN, TO_LOGIN, 403, 403, 403)),
    Row("admin/otp_totp/totpdevice/<int:pk>/qrcode/", "get", "/admin/otp_totp/totpdevice/{otp_totp_totpdevice}/qrcode/",
        who(TO_LOGIN, TO_LOGIN, 403, 403, 403)),
]  # fmt: skip

# --- each model in the admin: what no_perms, staff and finance may do with it ---------------------
# v view, a add, c change, d delete. Rows for its changelist, add, change, history, delete pages.
ADMIN_MODELS = {
    "auth.group": ("", "", ""),
    "auth.user": ("", "", ""),
    "authtoken.tokenproxy": ("", "", ""),
    "axes.accessattempt": ("", "", ""),
    "axes.accesslog": ("", "", ""),
    "axes.accessfailurelog": ("", "", ""),
    "otp_totp.totpdevice": ("", "", ""),  # second factors: superusers enrol people
    "otp_static.staticdevice": ("", "", ""),
    "catalogue.publication": ("", "vac", ""),
    "catalogue.stockmovement": ("", "v", ""),  # a ledger: movements are added on the publication's page
    "catalogue.topic": ("", "vacd", ""),
    "catalogue.comment": ("", "vcd", ""),  # comments come from readers
    "orders.order": ("", "vc", "v"),  # orders come from readers; refunds from the refund page; finance looks
    "orders.refund": ("", "v", "v"),
    "orders.deliveryzone": ("", "vacd", "v"),
    "orders.deliverymethod": ("", "vacd", "v"),
    "orders.stripeevent": ("", "v", ""),
    "orders.outboxentry": ("", "vc", ""),  # retry what the workers owe
    "reports.reportdownload": ("", "", "v"),  # the log of finance downloads
    "reports.payout": ("", "", "v"),  # payouts come from Stripe, or Stripe's export uploaded
}


def _admin_rows(label: str, rights: tuple[str, str, str]) -> list[Row]:
    app_label, model = label.split(".")
    base = f"admin/{app_label}/{model}/"
    path = f"/admin/{app_label}/{model}/"
    key = label.replace(".", "_")  # the placeholder for one of its objects

    def gets(*letters):
        return who(TO_LOGIN, TO_LOGIN, *[200 if set(letters) & set(granted) else 403 for granted in rights])

    return [
        Row(base, "get", path, gets("v", "c")),
        Row(f"{base}add/", "get", f"{path}add/", gets("a")),
        Row(f"{base}<path:object_id>/change/", "get", f"{path}{{{key}}}/change/", gets("v", "c")),
        Row(f"{base}<path:object_id>/history/", "get", f"{path}{{{key}}}/history/", gets("v", "c")),
        Row(f"{base}<path:object_id>/delete/", "get", f"{path}{{{key}}}/delete/", gets("d")),
        Row(f"{base}<path:object_id>/", "get", f"{path}{{{key}}}/", everyone(302)),  # to its change page
    ]


for _label, _rights in ADMIN_MODELS.items():
    ROWS += _admin_rows(_label, _rights)


# --- the world the rows act on --------------------------------------------------------------------
def _order(publication: Publication, email="reader@example.org") -> Order:
    method = DeliveryMethod.objects.get(code="uk-standard")
    order = Order.objects.create(
        email=email, name="A Reader", line1="1 High St", city="Leeds", postcode="LS1 1AA", country="GB",
        delivery_method=method, subtotal=Decimal("8.50"), delivery=Decimal("2.95"), vat=Decimal("0"),
        total=Decimal("11.45"), expires_at=timezone.now() + timedelta(minutes=30), payment_intent="pi_unknown",
    )  # fmt: skip
    OrderLine.objects.create(
        order=order, publication=publication, isbn=publication.isbn, title=publication.title, quantity=1,
        unit_price=publication.price, line_total=publication.price, vat_rate=Decimal("0"), vat=Decimal("0"),
    )  # fmt: skip
    return order


@pytest.fixture
def world(seed, stripe_emulator):
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=STAFF))
    finance = StaffFactory()
    finance.groups.add(Group.objects.get(name="Finance"))
    other_finance = StaffFactory()
    other_finance.groups.add(Group.objects.get(name="Finance"))
    users = {"no_perms": StaffFactory(), "staff": staff, "finance": finance}
    reader_order = _order(seed)
    catalogue_services.stock_adjust(publication=seed, delta=1, reason="goods_in", by=staff)
    refund = Refund.objects.create(order=reader_order, amount=Decimal("1.00"), status="succeeded", refunded_at=timezone.now())
    receipt = Receipt.objects.create(order=reader_order, number=1, seller_name="Print shop", sold_to="A Reader")
    credit_note = CreditNote.objects.create(refund=refund, receipt=receipt, number=1, seller_name="Print shop", sold_to="A Reader")
    download = ReportDownload.objects.create(
        user=other_finance, report="orders", period_from=date.today(), period_to=date.today(), format="csv", via="email"
    )
    AccessAttempt.objects.create(username="x", ip_address="10.0.0.1", user_agent="", get_data="", post_data="", http_accept="", path_info="", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="", http_accept="", path_info="")
    AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="", http_accept="", path_info="")
    objects = {
        "auth.group": Group.objects.get(name=STAFF).pk,
        "auth.user": staff.pk,
        "authtoken.tokenproxy": Token.objects.create(user=staff).user_id,
        "axes.accessattempt": AccessAttempt.objects.get().pk,
        "axes.accesslog": AccessLog.objects.get().pk,
        "axes.accessfailurelog": AccessFailureLog.objects.get().pk,
        "otp_totp.totpdevice": TOTPDevice.objects.create(user=staff, name="app").pk,
        "otp_static.staticdevice": StaticDevice.objects.create(user=staff, name="recovery").pk,
        "catalogue.publication": seed.pk,
        "catalogue.stockmovement": seed.stock_movements.latest("pk").pk,
        "catalogue.topic": TopicFactory(slug="leadership").pk,
        "catalogue.comment": CommentFactory(publication=seed).pk,
        "orders.order": reader_order.pk,
        "orders.refund": refund.pk,
        "orders.deliveryzone": DeliveryZone.objects.first().pk,
        "orders.deliverymethod": DeliveryMethod.objects.first().pk,
        "orders.stripeevent": StripeEvent.objects.create(event_id="evt_x", type="payment_intent.succeeded", payload={}).pk,
        "orders.outboxentry": OutboxEntry.objects.create(key="x:confirmation", kind="confirmation", order=reader_order).pk,
        "reports.reportdownload": download.pk,
        "reports.payout": Payout.objects.create(stripe_id="po_test", amount=1, arrival_date=timezone.localdate(), source="csv").pk,
    }
    return {
        "users": users,
        "order": reader_order,
        "values": {
            "slug": seed.slug, "isbn": seed.isbn, "number": reader_order.number, "order_id": reader_order.pk,
            "publication": seed.pk, "publication_type": ContentType.objects.get_for_model(Publication).pk,
            "order_type": ContentType.objects.get_for_model(Order).pk, "user": staff.pk,
            "report_link": reports.download_token(download.pk), "credit_note": credit_note.number,
            **{label.replace(".", "_"): pk for label, pk in objects.items()},
        },  # fmt: skip
    }


def _fill(value, values: dict):
    if isinstance(value, str):
        return value.format(**values) if "{" in value else value
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def _ask(row: Row, role: str, world: dict):
    client = Client()
    if role in world["users"]:
        client.force_login(world["users"][role])
    values = {**world["values"], "role": role, "token": world["order"].token if role == "reader" else "a-guessed-token-" + "x" * 27}
    path, data = _fill(row.path, values), _fill(row.data, values)
    if row.as_json:
        return getattr(client, row.method)(path, json.dumps(data), content_type="application/json")
    return getattr(client, row.method)(path, data) if data is not None else getattr(client, row.method)(path)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_who_gets_what(row, world):
    answers = {role: _ask(row, role, world) for role in ROLES}

    assert {role: answer.status_code for role, answer in answers.items()} == row.expected
    for role in ("anonymous", "reader"):
        if row.pattern.startswith("admin/") and answers[role].status_code == 302:
            assert answers[role]["Location"].startswith("/admin/login/" if row.method == "get" else "/admin/"), answers[role]["Location"]


def _patterns(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_url_the_shop_serves_has_a_row():
    served = set(_patterns())
    covered = {row.pattern for row in ROWS}

    assert served - covered == set(), "URLs with no row saying who may use them"
    assert covered - served == set(), "rows for URLs the shop no longer serves"


def test_every_method_an_api_route_answers_has_a_row():
    from rest_framework.views import APIView

    covered = {(row.pattern, row.method) for row in ROWS}
    missing = []
    for resolver in get_resolver().url_patterns:
        if not isinstance(resolver, URLResolver) or str(resolver.pattern) != "api/":
            continue
        for pattern in resolver.url_patterns:
            view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
            if view is None or not issubclass(view, APIView):
                continue
            for method in ("get", "post", "put", "patch", "delete"):
                answers = method in view.http_method_names and hasattr(view, method)
                if answers and (f"api/{pattern.pattern}", method) not in covered:
                    missing.append(f"{method.upper()} api/{pattern.pattern}")
    assert missing == []


# --- an order's status gives nothing away -----------------------------------------------------------
@pytest.fixture
def two_orders(seed):
    return _order(seed), _order(seed, email="someone-else@example.org")


@pytest.mark.parametrize("page", ["/orders/{number}/?token={token}", "/api/orders/{number}/?token={token}"])
def test_another_orders_token_opens_nothing(page, two_orders, client):
    mine, theirs = two_orders

    response = client.get(page.format(number=theirs.number, token=mine.token))

    assert response.status_code == 404
    assert theirs.email.encode() not in response.content and mine.email.encode() not in response.content


@pytest.mark.parametrize("page", ["/orders/{number}/?token={token}", "/api/orders/{number}/?token={token}"])
def test_a_real_number_with_a_wrong_token_answers_exactly_as_a_number_that_does_not_exist(page, two_orders, client):
    order, _ = two_orders
    guessed = "PS-" + ("AAAA" if not order.number.startswith("PS-AAAA") else "BBBB") + "-2222"

    real = client.get(page.format(number=order.number, token="x" * 43))
    made_up = client.get(page.format(number=guessed, token="x" * 43))

    assert real.status_code == made_up.status_code == 404
    assert real.content.replace(order.number.encode(), b"") == made_up.content.replace(guessed.encode(), b"")


def test_the_status_page_without_a_token_is_not_found(two_orders, client):
    order, _ = two_orders

    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert client.get(f"/api/orders/{order.number}/").status_code == 404
