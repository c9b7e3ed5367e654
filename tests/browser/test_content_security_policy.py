"""In a real browser, the site's pages, the API docs and the admin work under the CSP.

Chromium reports every resource or inline code the policy blocks as a
`securitypolicyviolation` event (and a console error); none may occur.
"""

import pytest
from allauth.account.models import EmailAddress

from core.models import OutboxEmail
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched_page(page):
    """The page, recording CSP violations from events and from the console."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_violations = []
    page.on(
        "console",
        lambda message: (
            page.console_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def violations(page) -> list[str]:
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations") + page.console_violations


def test_the_home_page_breaks_no_rule_of_the_policy(live_server, watched_page):
    response = watched_page.goto(live_server.url)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert violations(watched_page) == []


def test_the_api_docs_render_under_the_policy(live_server, watched_page):
    watched_page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI ran (its scripts loaded) and fetched the schema from the site.
    watched_page.locator(".swagger-ui .info .title").wait_for()
    assert "License client API" in watched_page.locator(".info .title").inner_text()
    watched_page.locator(".opblock").first.wait_for()
    assert violations(watched_page) == []


def test_the_admin_works_under_the_policy(live_server, watched_page):
    staff = UserFactory(
        email="staff@example.com",
        password="correct horse battery staple",
        is_staff=True,
        is_superuser=True,
    )
    EmailAddress.objects.create(
        user=staff, email=staff.email, verified=True, primary=True
    )
    email = OutboxEmail.objects.create(
        idempotency_key="csp:browser",
        template="licensing/email/machine_activated",
        language="en",
        to="x@example.org",
        subject="s",
        body_text="b",
    )
    page = watched_page
    # The admin signs in through allauth's page.
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    assert violations(page) == []
    page.fill("#id_login", "staff@example.com")
    page.fill("#id_password", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    # A change list with its actions and filters, a change page, an add form.
    for path in (
        "/admin/core/outboxemail/",
        f"/admin/core/outboxemail/{email.pk}/change/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert violations(page) == [], path
    # The admin's own scripts ran: the action bar's "select all" checks every row.
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.check("#action-toggle")
    assert page.locator("input.action-select").first.is_checked()
    assert violations(page) == []
