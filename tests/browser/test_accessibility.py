"""Every portal page, in English and in Norwegian, has no serious or critical
accessibility problem that axe-core finds (its rules: WCAG 2.x A and AA, and
best practices).

axe-core comes with `axe-playwright-python` (no CDN): it is put into the page
with Playwright's `evaluate` (the DevTools protocol), which the site's
Content-Security-Policy does not block, so the pages are checked under their
real policy.
"""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from licensing import services
from licensing.models import AgreementVersion
from tests.browser.portal import customer_with_login, sign_in_with_session
from tests.factories import PlanFactory, issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
BLOCKING = {"serious", "critical"}
LANGUAGES = {"en": "en-GB", "nb": "nb-NO"}


def anonymous(path):
    return lambda live_server, context, language: path


def customer_page(path, *, licensed=False):
    """A page of a signed-in customer (with one license holding a machine, or none);
    `path` may name the license as {license}."""

    def open_as_customer(live_server, context, language):
        customer = customer_with_login(language=language)
        license = None
        if licensed:
            license = issue(
                plan=PlanFactory(seats=3, name="Team"), customer=customer, seats=3
            )
            services.activation_create(
                canonical_key=license.key,
                fingerprint="office-pc",
                label="Office PC",
                platform="linux",
            )
        sign_in_with_session(context, live_server, customer.user)
        return path.format(license=license.pk if license else "")

    return open_as_customer


PAGES = {
    "login": anonymous("/accounts/login/"),
    "signup": anonymous("/accounts/signup/"),
    "password-reset": anonymous("/accounts/password/reset/"),
    "recover": anonymous("/licenses/recover/"),
    "cookie-policy": anonymous("/cookies/"),
    "cookie-settings": anonymous("/cookies/settings/"),
    "privacy-policy": anonymous("/privacy/policy/"),
    "privacy-request": anonymous("/privacy/request/"),
    "dashboard-empty": customer_page("/licenses/"),
    "dashboard": customer_page("/licenses/", licensed=True),
    "claim": customer_page("/licenses/claim/"),
    "license": customer_page("/licenses/{license}/", licensed=True),
    "terminate": customer_page("/licenses/{license}/terminate/", licensed=True),
    "offline": customer_page("/licenses/{license}/offline/", licensed=True),
    "profile": customer_page("/profile/"),
    "privacy-center": customer_page("/privacy/"),
    "privacy-erase": customer_page("/privacy/erase/"),
}


def describe(violations) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    )


@pytest.fixture
def agreement(db):
    return AgreementVersion.objects.create(
        number="2.0", published_at=timezone.now() - timedelta(days=1), summary="New."
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_a_portal_page_has_no_serious_accessibility_violation(
    live_server, new_context, agreement, name, language
):
    context = new_context(locale=LANGUAGES[language])
    context.add_cookies(
        [{"name": "language", "value": language, "url": live_server.url}]
    )
    path = PAGES[name](live_server, context, language)
    page = context.new_page()
    response = page.goto(live_server.url + path)
    assert response.status == 200, path
    assert page.locator("html").get_attribute("lang") == language
    results = AXE.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], f"{path} ({language}):\n{describe(blocking)}"
