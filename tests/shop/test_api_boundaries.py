"""The API's boundaries, read from its own schema and tried as explicit examples beside
schemathesis's fuzzing: for every string a request body sends, its declared maximum length and
one more, a NUL, line breaks and "²"; for every integer, a 5,000-digit number; and a body nested
3,000 deep. None may be a server error; one character too many is a 400. On SQLite in
`make test` and on PostgreSQL in .ci/run's second pass, where lengths and NULs bite."""

import json

import pytest
from rest_framework.authtoken.models import Token

from orders.models import Order
from shop import signing
from tests.factories import UserFactory
from tests.payments import order_body
from tests.peers import WAREHOUSE_SECRET

pytestmark = pytest.mark.django_db
STRING_EDGES = ["\x00", "one\ntwo", "one\r\ntwo", "²"]


@pytest.fixture
def schema(api):
    return api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def leaves(schema, node, path=()):
    """(path, schema) of every string and integer a body may carry, lists' first items included."""
    node = _resolve(schema, node)
    if node.get("type") == "object":
        for name, child in node.get("properties", {}).items():
            if not child.get("readOnly"):
                yield from leaves(schema, child, (*path, name))
    elif node.get("type") == "array":
        yield from leaves(schema, node.get("items", {}), (*path, 0))
    elif node.get("type") in ("string", "integer") and "enum" not in node:
        yield path, node


def with_value(body, path, value):
    """A copy of the body with `value` at `path`, making the lists and objects on the way."""
    body = json.loads(json.dumps(body))
    target = body
    for step, after in zip(path, path[1:]):
        empty = [] if isinstance(after, int) else {}
        if isinstance(target, list):
            if not target:
                target.append(empty)
        elif step not in target:
            target[step] = empty
        target = target[step]
    if isinstance(target, list) and not target:
        target.append(value)
    else:
        target[path[-1]] = value
    return body


@pytest.fixture
def operations(api, seed, stripe_emulator, settings):
    """Each JSON operation with a body that is valid as it stands, and how to send it."""
    settings.FULFILMENT_SECRET = WAREHOUSE_SECRET
    settings.ORDER_RATE = settings.PAY_RATE = settings.COMMENT_RATE = "100000/m"
    staff = Token.objects.create(user=UserFactory(is_staff=True, is_superuser=True)).key
    order = Order.objects.get(number=api.post("/api/orders/", order_body((seed.isbn, 1)), format="json").json()["number"])

    def dispatch(body):
        raw = json.dumps(body).encode()
        return api.post("/api/fulfilment/dispatch/", raw, content_type="application/json",
                        **{f"HTTP_{signing.HEADER.upper().replace('-', '_')}": signing.sign(raw, WAREHOUSE_SECRET)})  # fmt: skip

    return {
        ("/api/orders/", "post"): (order_body((seed.isbn, 1)), lambda body: api.post("/api/orders/", body, format="json")),
        ("/api/orders/{number}/pay/", "post"): (
            {"token": order.token, "payment_method": "pm_unknown"},
            lambda body: api.post(f"/api/orders/{order.number}/pay/", body, format="json"),
        ),
        ("/api/publications/{isbn}/", "patch"): (
            {"title": "A title", "subtitle": "", "price": "8.50"},
            lambda body: api.patch(f"/api/publications/{seed.isbn}/", body, format="json", HTTP_AUTHORIZATION=f"Token {staff}"),
        ),
        ("/api/publications/{isbn}/comments/", "post"): (
            {"name": "A Reader", "email": "reader@example.org", "job_title": "", "organisation": "", "body": "Useful."},
            lambda body: api.post(f"/api/publications/{seed.isbn}/comments/", body, format="json"),
        ),
        ("/api/publications/{isbn}/stock/", "post"): (
            {"delta": 1, "reason": "goods_in"},
            lambda body: api.post(f"/api/publications/{seed.isbn}/stock/", body, format="json", HTTP_AUTHORIZATION=f"Token {staff}"),
        ),
        ("/api/fulfilment/dispatch/", "post"): ({"order_number": order.number, "carrier": "Royal Mail", "tracking_number": "AB1"}, dispatch),
    }


def test_every_operation_with_a_body_is_tried_here(schema, operations):
    with_bodies = {
        (path, method) for path, methods in schema["paths"].items() for method, operation in methods.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }  # fmt: skip

    assert with_bodies == set(operations)


def test_every_string_a_body_stores_declares_its_maximum_length(schema):
    unbounded = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            for where, node in leaves(schema, body) if body else []:
                free_text = where[-1] in ("summary", "policy_implications", "body") or 0 in where  # text columns, lists of lines
                if node["type"] == "string" and "maxLength" not in node and node.get("format") not in ("date", "decimal") and not free_text:
                    unbounded.append((method, path, where))

    assert unbounded == []


def test_the_api_declares_the_headers_it_reads(schema):
    headers = {
        (path, parameter["name"]) for path, methods in schema["paths"].items() for operation in methods.values()
        for parameter in operation.get("parameters", []) if parameter["in"] == "header"
    }  # fmt: skip

    assert {("/api/orders/", "Idempotency-Key"), ("/api/fulfilment/dispatch/", signing.HEADER)} <= headers


def test_no_boundary_value_in_any_body_is_a_server_error(schema, operations):
    answers = []
    for (path, method), (valid, send) in operations.items():
        body_schema = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        for where, node in leaves(schema, body_schema):
            if node["type"] == "integer":
                tries = [(int("9" * 4000), None)]
            else:
                longest = node.get("maxLength")
                tries = [(edge, None) for edge in STRING_EDGES]
                if longest:
                    tries += [("x" * longest, None), ("x" * (longest + 1), 400)]
            for value, expected in tries:
                status = send(with_value(valid, where, value)).status_code
                answers.append((method, path, where, repr(value)[:20], status))
                assert status < 500, answers[-1]
                if expected:
                    assert status == expected, answers[-1]
    assert len(answers) > 60


@pytest.mark.parametrize("path", ["/api/orders/", "/api/publications/9781909029088/comments/", "/api/fulfilment/dispatch/"])
def test_a_body_nested_three_thousand_deep_is_a_400(api, seed, path):
    assert api.post(path, "[" * 3000 + "]" * 3000, content_type="application/json").status_code == 400
