"""Going live: the shop refuses published secrets, and its deployment files hold together."""

import ast
import os
import re
import signal
import subprocess
import time
import sys
from pathlib import Path

import psycopg
import pytest
import redis
import yaml
from django.core import checks

from shop.checks import PUBLISHED
from tests.production import generated_secrets

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRETS = ["SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "FULFILMENT_SECRET"]
# The values localstripe is run with, by `make run` (the settings' defaults) and by the tests.
LOCALSTRIPE = {
    "SECRET_KEY": "development-only-secret-key-do-not-use-in-production",
    "STRIPE_SECRET_KEY": "sk_test_print_shop",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe",
    "STRIPE_WEBHOOK_SECRET": "whsec_test_print_shop",
    "FULFILMENT_SECRET": "warehouse-test-secret",
}


def production_env(**overrides) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", *SECRETS)}
    return {
        **env,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "shop.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://shop.example.org",
        "STRIPE_API_BASE": "https://api.stripe.com",
        "STRIPE_JS_URL": "https://js.stripe.com/v3/",
        **generated_secrets(),
        **overrides,
    }


def env_example() -> dict[str, str]:
    """.env.example's settings, commented-out defaults included."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#? ?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def settings_defaults() -> dict[str, str]:
    """Each environment variable settings.py reads, with the default it gives (a literal, else "")."""
    tree = ast.parse((ROOT / "shop" / "settings.py").read_text())
    defaults = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            env_call = name == "env" or (isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "env")
            if env_call and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                default = next((k.value for k in node.keywords if k.arg == "default"), None)
                literal = default.value if isinstance(default, ast.Constant) and isinstance(default.value, str) else ""
                defaults[node.args[0].value] = literal
    return defaults


def _errors_naming(name: str) -> list[str]:
    return [str(message) for message in checks.run_checks(include_deployment_checks=True) if message.is_serious() and name in message.msg]


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("source", ["empty", "settings.py default", ".env.example", "localstripe"])
def test_a_published_secret_fails_the_deploy_checks_naming_the_setting(name, source, settings):
    value = {
        "empty": "",
        "settings.py default": settings_defaults()[name],
        ".env.example": env_example()[name],
        "localstripe": LOCALSTRIPE[name],
    }[source]
    for other, fresh in generated_secrets().items():
        setattr(settings, other, fresh)
    setattr(settings, name, value)

    errors = _errors_naming(name)

    assert len(errors) == 1, errors
    assert name in errors[0]


def written_examples() -> list[tuple[str, str]]:
    """Every `SECRET=value` the README and .env.example show, as a reader would copy it."""
    text = (ROOT / "README.md").read_text() + (ROOT / ".env.example").read_text()
    return sorted({(name, value) for name in SECRETS for value in re.findall(rf"\b{name}=([^\s`'\"]+)", text)})


@pytest.mark.parametrize("name, value", written_examples())
def test_every_secret_value_the_readme_or_env_example_shows_fails_the_deploy_checks(name, value, settings):
    for other, fresh in generated_secrets().items():
        setattr(settings, other, fresh)
    setattr(settings, name, value)

    assert _errors_naming(name)


def test_stripe_test_mode_keys_of_ones_own_pass_for_a_staging_site(settings):
    for name, value in generated_secrets().items():
        setattr(settings, name, value)

    assert settings.STRIPE_SECRET_KEY.startswith("sk_test_")
    assert not [message for message in checks.run_checks(include_deployment_checks=True) if message.is_serious()]


def test_every_published_value_in_the_checks_is_a_value_somebody_can_read():
    """The list is not made up: each value stands in settings.py, the README or the tests."""
    readable = (ROOT / "shop" / "settings.py").read_text() + (ROOT / "README.md").read_text()
    readable += "".join(path.read_text() for path in (ROOT / "tests").rglob("*.py")) + (ROOT / "Dockerfile").read_text()
    for name, values in PUBLISHED.items():
        for value in values:
            assert value in readable or value.endswith("…"), (name, value)


def test_production_with_generated_secrets_passes_check_deploy_at_warning_level():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_with_the_webhook_secret_unset_fails_check_deploy():
    env = production_env()
    del env["STRIPE_WEBHOOK_SECRET"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET is a published value" in result.stderr


STARTS = {
    "gunicorn": [str(BIN / "gunicorn"), "-c", "python:shop.gunicorn", "shop.wsgi"],
    "worker": [str(BIN / "celery"), "-A", "shop", "worker", "--loglevel=WARNING", "--concurrency=1"],
    "beat": [str(BIN / "celery"), "-A", "shop", "beat", "--loglevel=WARNING"],
}


@pytest.mark.parametrize("process", STARTS)
def test_a_long_running_process_refuses_to_start_on_a_published_secret(process, tmp_path):
    env = production_env(FULFILMENT_SECRET="", VAR_DIR=str(tmp_path), GUNICORN_BIND="127.0.0.1:0", GUNICORN_WORKERS="1")
    env.pop("REDIS_URL", None)

    started = subprocess.Popen(
        STARTS[process], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = started.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(started.pid, signal.SIGKILL)
        pytest.fail(f"{process} started with an empty FULFILMENT_SECRET")

    assert started.returncode == 3, output
    assert "refuses to start with DEBUG off" in output
    assert "FULFILMENT_SECRET is empty" in output


def test_the_image_runs_with_debug_off_unless_told_otherwise():
    environment = " ".join(re.findall(r"^ENV (.+?)(?<!\\)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE | re.DOTALL))

    assert "DEBUG=false" in environment


# --- The settings and .env.example ----------------------------------------------------------

def app_settings() -> set[str]:
    """Every environment variable the shop reads: settings.py, gunicorn's configuration and the health checks."""
    names = set(settings_defaults())
    for module in ("gunicorn.py", "healthcheck.py"):
        names |= set(re.findall(r'environ\.get\("([A-Z][A-Z0-9_]+)"', (ROOT / "shop" / module).read_text()))
    return names


def deployment_variables() -> set[str]:
    """What docker-compose.yml and the Caddyfile read from .env for themselves."""
    text = (ROOT / "docker-compose.yml").read_text() + (ROOT / "deploy" / "Caddyfile").read_text()
    return set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", text))


def test_env_example_lists_every_setting_the_shop_reads():
    missing = app_settings() - set(env_example())

    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_env_example_lists_nothing_the_shop_or_compose_does_not_read():
    providers = {name for name in env_example() if name.startswith("ANYMAIL_")}  # read by prefix

    unknown = set(env_example()) - app_settings() - deployment_variables() - providers

    assert not unknown, f"read by nothing: {sorted(unknown)}"


def test_env_example_says_change_me_for_every_secret():
    example = env_example()

    assert all("change-me" in example[name] for name in SECRETS)


# --- docker-compose.yml ------------------------------------------------------------------------

def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_docker_compose_is_valid_against_the_compose_specification():
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_reads_its_settings_from_an_env_file_and_trusts_exactly_its_proxy():
    services = compose()["services"]

    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["env_file"] == [".env"]
        assert services[name]["environment"]["TRUSTED_PROXIES"] == "1"


def test_only_caddy_is_published_and_gunicorn_is_not():
    services = compose()["services"]

    assert "ports" not in services["web"]
    assert services["caddy"]["ports"][:2] == ["80:80", "443:443"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]


def test_web_worker_and_beat_each_have_a_healthcheck_of_their_own():
    services = compose()["services"]

    assert {name: services[name]["healthcheck"]["test"][-1] for name in ("web", "worker", "beat")} == {
        "web": "web", "worker": "worker", "beat": "beat",
    }  # fmt: skip


def _seconds(duration: str) -> int:
    return int(duration.removesuffix("s"))


def test_stop_grace_periods_outlast_gunicorns_graceful_timeout_and_the_task_time_limit(settings):
    from shop import gunicorn

    services = compose()["services"]

    assert _seconds(services["web"]["stop_grace_period"]) > gunicorn.graceful_timeout
    assert _seconds(services["worker"]["stop_grace_period"]) > settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.postgres  # beside the PostgreSQL, Redis and Caddy that .ci/run's second pass has
def test_images_are_pinned_to_the_versions_ci_tests():
    services = compose()["services"]
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres") as server:
        postgres_server = server.execute("SHOW server_version").fetchone()[0].split()[0]
    redis_server = redis.Redis.from_url(os.environ["REDIS_URL"]).info()["redis_version"]
    caddy = subprocess.run(["caddy", "version"], capture_output=True, text=True).stdout.split()[0].lstrip("v")

    assert services["postgres"]["image"].split(":")[1].startswith(postgres_server.split(".")[0] + ".")
    assert services["redis"]["image"].split(":")[1].startswith(redis_server.rsplit(".", 1)[0] + ".")
    assert services["caddy"]["image"] == f"caddy:{caddy}"
    assert re.search(r"^FROM python:3\.11\.\d+-slim", (ROOT / "Dockerfile").read_text(), re.MULTILINE)


# --- Processes -------------------------------------------------------------------------------

@pytest.mark.parametrize("cpu_max, expected", [("150000 100000", 2), ("50000 100000", 1), ("max 100000", None)])
def test_workers_follow_the_containers_cpu_quota_not_the_hosts_cpus(tmp_path, cpu_max, expected):
    from shop.startup import available_cpus

    (tmp_path / "cpu.max").write_text(cpu_max + "\n")

    assert available_cpus(tmp_path / "cpu.max") == (expected or len(os.sched_getaffinity(0)))


def test_the_web_healthcheck_passes_for_a_shop_whose_allowed_host_is_its_public_name(tmp_path):
    from tests.payments import free_port

    port = free_port()
    env = production_env(
        ALLOWED_HOSTS="shop.example.org", GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1",
        VAR_DIR=str(tmp_path / "var"), DATABASE_URL=f"sqlite:///{tmp_path / 'shop.sqlite3'}", PYTHONPATH=str(ROOT),
        HOME="/nonexistent",  # gunicorn must not need a writable $HOME (its control socket would)
    )  # fmt: skip
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(STARTS["gunicorn"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, start_new_session=True)  # fmt: skip
    healthcheck = compose()["services"]["web"]["healthcheck"]["test"]
    assert healthcheck[0] == "CMD"
    try:
        deadline = time.monotonic() + 60
        while True:
            result = subprocess.run([sys.executable if word == "python" else word for word in healthcheck[1:]],
                                    cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)  # fmt: skip
            if result.returncode == 0 or time.monotonic() > deadline or server.poll() is not None:
                break
            time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]

    assert result.returncode == 0, result.stdout + result.stderr + output
    assert "DisallowedHost" not in output and "Invalid HTTP_HOST" not in output
