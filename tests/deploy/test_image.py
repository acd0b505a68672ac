"""The image: what goes into it, how it is built, and the wheel it runs from."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.deploy import image

ROOT = image.ROOT
APPS = ("shop", "catalogue", "orders", "reports", "worker")


def test_the_build_context_holds_the_apps_and_leaves_out_tests_bench_and_secrets(tmp_path):
    context = image.build_context(tmp_path)

    top = {path.name for path in context.iterdir()}
    assert top == {".dockerignore", "Dockerfile", "pyproject.toml", "requirements.lock", *APPS}
    assert not list(context.rglob("__pycache__"))


def test_every_copy_source_is_in_the_build_context(tmp_path):
    context = image.build_context(tmp_path)
    sources = []
    for keyword, arguments in image.instructions():
        words = arguments.split()
        if keyword == "COPY" and not any(word.startswith("--from=") for word in words):
            sources += [word for word in words[:-1] if not word.startswith("--")]

    assert sources and all((context / source).exists() for source in sources), sources


def test_the_image_runs_as_a_numeric_user_other_than_root():
    users = [arguments for keyword, arguments in image.instructions() if keyword == "USER"]

    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0


def test_dependencies_are_installed_from_the_lock_before_the_code_is_copied():
    steps = image.instructions()
    final_stage = steps[max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM"):]
    install = next(i for i, (keyword, arguments) in enumerate(final_stage) if keyword == "RUN" and "-r requirements.lock" in arguments)
    code = next(i for i, (keyword, arguments) in enumerate(final_stage) if keyword == "COPY" and "--from=build" in arguments)

    assert install < code


def test_hadolint_passes():
    result = subprocess.run([str(Path(sys.executable).parent / "hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr


# --- Built (slow: a fresh virtualenv from the lock; .ci/run's second pass) -------------------

@pytest.mark.deploy
def test_the_dockerfiles_install_and_collectstatic_steps_succeed_into_a_fresh_virtualenv(built_image):
    app = image.final(built_image)

    static = Path(app.mapped(app.env["STATIC_ROOT"]))
    assert (static / "staticfiles.json").exists()
    assert list(static.glob("orders/payment.*.js")) and list(static.glob("shop/site.*.css"))
    assert not (app.path("/app") / "shop").exists()  # the code is in site-packages, not a source tree


def _wheel(built_image) -> Path:
    [wheel] = built_image["build"].path("/src/dist").glob("printshop-*.whl")
    return wheel


@pytest.mark.deploy
def test_the_wheel_holds_every_template_static_file_and_migration(built_image):
    names = set(zipfile.ZipFile(_wheel(built_image)).namelist())
    wanted = {
        str(path.relative_to(ROOT))
        for app in APPS
        for folder in ("templates", "static", "migrations", "fonts")
        for path in (ROOT / app).rglob(f"{folder}/**/*")
        if path.is_file() and "__pycache__" not in path.parts
    }

    assert len(wanted) > 30
    assert not wanted - names, sorted(wanted - names)


RENDER = """
import os
from pathlib import Path
from django.conf import settings
from django.core.management import call_command
from django.template.loader import get_template
import django
django.setup()
assert settings.VAR_DIR == Path.cwd() / "var", settings.VAR_DIR
call_command("migrate", "--noinput", verbosity=0)
for name in os.environ["TEMPLATES_TO_RENDER"].split(","):
    template = get_template(name)  # every page and email is there, and compiles
    if name.startswith("emails/"):
        template.render({})
from catalogue.models import Publication
from worker import notifications
from tests_free_low_stock import publications
assert notifications.send_low_stock_digest(publications()) == 1
from django.utils import timezone
from orders import pdf
from orders.models import Receipt
assert "site-packages" in str(pdf.FONTS), pdf.FONTS  # the receipts' font came with the wheel
receipt = pdf._Document(Receipt(number=1, issued_at=timezone.now(), seller_name="Łódź Press", sold_to="Zoë"), "VAT receipt")
receipt.heading("VAT receipt")
receipt.sold_to()
assert bytes(receipt.output()).startswith(b"%PDF-")
print("rendered", len(os.environ["TEMPLATES_TO_RENDER"].split(",")), "and sent", len(list((Path.cwd() / "var" / "mail").iterdir())))
"""
LOW_STOCK = """
from decimal import Decimal
from catalogue.models import Publication
def publications():
    return [Publication(isbn="9781909029088", title="Patient-centred leadership", stock=2, reorder_level=5, price=Decimal("8.50"))]
"""


@pytest.mark.deploy
def test_the_installed_wheel_migrates_and_renders_every_email_template_outside_the_source_tree(built_image, tmp_path):
    app = image.final(built_image)
    templates = sorted(
        str(path.relative_to(path.parents[len(path.relative_to(ROOT / app_name / "templates").parts) - 1]))
        for app_name in APPS
        for path in (ROOT / app_name / "templates").rglob("*")
        if path.is_file()
    )
    (tmp_path / "tests_free_low_stock.py").write_text(LOW_STOCK)
    env = {
        "PATH": f"{app.venv / 'bin'}:/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "shop.settings", "PYTHONPATH": str(tmp_path),
        "TEMPLATES_TO_RENDER": ",".join(templates),
    }  # fmt: skip

    result = subprocess.run([image.python_of(app), "-c", RENDER], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stderr[-3000:]
    assert any(name.startswith("emails/") for name in templates)
    assert result.stdout.strip().splitlines()[-1] == f"rendered {len(templates)} and sent 1"


def _pins(path: Path) -> dict[str, str]:
    lines = [line.split("==") for line in path.read_text().splitlines() if "==" in line]
    return {name.lower().replace("_", "-"): version for name, version in lines}


def test_the_lock_pins_every_dependency_at_pyprojects_version_and_the_dev_lock_agrees():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-dev.lock")
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name, version = requirement.split("==")
        name = name.split("[")[0].lower().replace("_", "-")
        assert dev.get(name) == version, requirement
        if requirement in project["dependencies"]:
            assert runtime.get(name) == version, requirement
    assert {name: dev.get(name) for name in runtime} == runtime
