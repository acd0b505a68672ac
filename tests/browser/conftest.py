"""A reader, staff and finance in a real browser: Debian's Chromium, driven by Playwright, against
a live server on PostgreSQL with localstripe, a real Celery worker on Redis and a local SMTP server."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from shop.csp import content_security_policy
from tests.seeds import PAGES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    reasons = []
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        reasons.append("PostgreSQL (DATABASE_URL)")
    if not os.environ.get("REDIS_URL"):
        reasons.append("Redis (REDIS_URL)")
    if not Path(CHROMIUM).exists():
        reasons.append("Chromium (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.postgres)
            if reasons:
                item.add_marker(pytest.mark.skip(reason="needs " + " and ".join(reasons) + "; .ci/run has them"))


@pytest.fixture(scope="module")
def chromium():
    # Playwright's sync API keeps an event loop in this thread while it runs; the tests' own ORM
    # calls are still synchronous, which Django's guard cannot tell (Django documents this switch
    # for it). Both last only as long as the browser tests: later tests and the subprocesses they
    # start (manage.py check --deploy) must not inherit it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def shop(live_server, stripe_webhooks, localstripe_url, smtp_server, workers, settings):
    """The shop at live_server.url with the demo catalogue and the publisher's pages, as `make run`
    loads them; returns its base URL."""
    settings.STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3/"
    settings.CONTENT_SECURITY_POLICY = content_security_policy(stripe_js_url=settings.STRIPE_JS_URL, stripe_api_base=localstripe_url)
    settings.SHOP_URL = live_server.url
    call_command("load_demo_catalogue", verbosity=0)
    if PAGES:
        call_command("import_pages", *map(str, PAGES), verbosity=0)
    return live_server.url


class Journey:
    """A browser page that saves a screenshot at the end of each step."""

    def __init__(self, browser, name: str, width: int = 1200, javascript: bool = True):
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, accept_downloads=True, java_script_enabled=javascript
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        # Whatever the content security policy stops shows as a console error ("Refused to ...").
        self.refused: list[str] = []
        self.page.on("console", lambda message: self._note_refusal(message.text))
        # Any other error a page's script meets (an uncaught exception, a resource that failed).
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))
        self.page.on("response", self._note_missing)
        self.name = name
        self.step = 0

    def shot(self, what: str) -> Path:
        self.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{self.step:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def _note_missing(self, response) -> None:
        """A script, style sheet, image or font a page asked for and did not get (a page's own
        400, a bad form sent back with its messages, is no error)."""
        if response.status >= 400 and response.request.resource_type in ("script", "stylesheet", "image", "font"):
            self.errors.append(f"{self.page.url}: {response.url} answered {response.status}")

    def _note_refusal(self, text: str) -> None:
        if "Content Security Policy" in text:
            self.refused.append(f"{self.page.url}: {text}")

    def close(self):
        self.context.close()


@pytest.fixture
def journey(chromium):
    opened = []

    def open_journey(name: str, width: int = 1200, javascript: bool = True) -> Journey:
        opened.append(Journey(chromium, name, width, javascript))
        return opened[-1]

    yield open_journey
    for each in opened:
        each.close()
    # Stripe.js and every page work under the shop's content security policy, with no script error.
    assert [refusal for each in opened for refusal in each.refused] == []
    assert [error for each in opened for error in each.errors if "Content Security Policy" not in error] == []
