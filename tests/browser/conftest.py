"""Playwright drives Debian's Chromium (/usr/bin/chromium); it never downloads a browser."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from playwright.sync_api import sync_playwright

from core import ratelimit

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# A failed browser test leaves a screenshot of each of its pages here (git-ignored).
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "test-screenshots"

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in
# fixtures and tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    """Rate limits (ours and allauth's) counted in memory, from zero, in every
    test: the live server runs in this process, so it counts here too."""
    settings.REDIS_URL = ""
    ratelimit._memory.clear()
    cache.clear()
    yield
    ratelimit._memory.clear()
    cache.clear()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test`, which installs Debian's chromium."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, request):
    """`new_context(**options)` opens a browser context (closed after the test);
    if the test failed, each of its open pages is saved as a screenshot first."""
    contexts = []

    def open_context(**options):
        options.setdefault("locale", "en-GB")
        options.setdefault("accept_downloads", True)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    for number, context in enumerate(contexts):
        if failed:
            for index, page in enumerate(context.pages):
                save_screenshot(page, request.node.nodeid, f"{number}-{index}")
        context.close()


def save_screenshot(page, nodeid: str, suffix: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", nodeid).strip("_")
    try:
        page.screenshot(path=SCREENSHOTS / f"{name}-{suffix}.png", full_page=True)
    except Exception as error:  # a closed or crashed page: the failure says enough
        print(f"no screenshot of {nodeid}: {error}")


@pytest.fixture
def page(new_context):
    return new_context().new_page()
