"""schemathesis against the shop's own OpenAPI schema: no server error, and every answer (status,
content type, body) matches the schema. A bounded number of examples per operation."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def staff_token():
    """A superuser's API token: staff and finance at once, so every staff endpoint is fuzzed past its door."""
    from rest_framework.authtoken.models import Token

    from tests.factories import UserFactory

    return Token.objects.create(user=UserFactory(is_staff=True, is_superuser=True))


@pytest.mark.parametrize("credentials", ["anonymous", "staff"])
def test_the_api_never_errors_and_always_answers_as_its_schema_says(credentials, live_server, stripe_emulator, settings, request, tmp_path):
    from django.core.management import call_command

    call_command("load_demo_catalogue", verbosity=0)
    settings.ORDER_RATE = settings.PAY_RATE = settings.STATUS_RATE = settings.COMMENT_RATE = "100000/m"
    token = request.getfixturevalue("staff_token") if credentials == "staff" else None
    auth = ["--header", f"Authorization: Token {token.key}"] if token else []
    config = []
    if token:  # staff work on publications that exist: a made-up ISBN stops at the 404
        config_file = tmp_path / "schemathesis.toml"
        config_file.write_text(
            "[[operations]]\ninclude-path-regex = '^/api/publications/\\{isbn\\}/'\n"
            'parameters = { "path.isbn" = "9781909029088" }\n'
        )
        config = ["--config-file", str(config_file)]

    result = subprocess.run(
        [
            str(SCHEMATHESIS), *config, "run", f"{live_server.url}/api/schema/", *auth,
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples", "15", "--seed", "20261126", "--no-color", "--request-timeout", "30",
        ],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert " passed" in summary and "failures" not in summary.split("SUMMARY")[-1].lower(), summary
    if token:  # the token opened the staff endpoints: some of what was generated got through
        from catalogue.models import PriceChange, StockMovement

        assert StockMovement.objects.filter(created_by=token.user).exists() or PriceChange.objects.filter(changed_by=token.user).exists()


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("post", "/api/orders/", {"email": "a@example.org", "delivery_method": "uk\x00standard", "items": [], "delivery": {}}),
        ("get", "/api/publications/", {"topic": "leader\x00ship"}),
        ("get", "/api/publications/", {"search": "\x00"}),
    ],
)
def test_null_characters_are_a_400_not_a_server_error(api, method, path, data):
    response = getattr(api, method)(path, data, format="json") if method == "post" else api.get(path, data)

    assert response.status_code == 400


def test_a_null_character_in_any_value_of_a_repeated_parameter_is_a_400(client):
    assert client.get("/?topic=leadership%00&topic=leadership").status_code == 400
