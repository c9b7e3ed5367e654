"""Cookie consent in a real browser: the banner, its three answers (with and
without JavaScript), the settings page, the inventory's changes, and a crawl of
the site that finds no cookie the inventory does not list."""

import time
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings

from cookies import inventory, services
from cookies.models import ConsentRecord, PageViewCount
from tests.browser.portal import customer_with_login, sign_in_with_session
from tests.factories import PlanFactory, issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANALYTICS = "script[src*='js/analytics.js']"
# Not pages: signing out, and the API schema (a download).
SKIP = ("/accounts/logout/", "/api/schema/")


def necessary() -> set[str]:
    return {c.name for c in inventory.cookies() if c.group == inventory.NECESSARY}


def listed() -> set[str]:
    return {c.name for c in inventory.cookies()}


def cookie_names(context) -> set[str]:
    return {cookie["name"] for cookie in context.cookies()}


def wait_for(condition, within=5.0):
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def banner(page):
    return page.get_by_role("region", name="Cookies on this site")


def test_a_first_visit_sees_the_banner_and_gets_no_optional_cookie(
    live_server, new_context
):
    context = new_context()
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert banner(page).is_visible()
    buttons = [
        banner(page).get_by_role(role, name=name)
        for role, name in (
            ("button", "Accept all"),
            ("button", "Reject all"),
            ("link", "Let me choose"),
        )
    ]
    # Equal weight: the same size and the same colours.
    boxes = [b.bounding_box() for b in buttons]
    assert len({round(box["height"]) for box in boxes}) == 1
    styles = {
        b.evaluate(
            "e => getComputedStyle(e).backgroundColor + getComputedStyle(e).color"
        )
        for b in buttons
    }
    assert len(styles) == 1
    assert page.locator(ANALYTICS).count() == 0
    assert cookie_names(context) <= necessary()


def test_reject_all_leaves_only_necessary_cookies_and_no_analytics(
    live_server, new_context
):
    context = new_context()
    page = context.new_page()
    page.goto(live_server.url + "/licenses/recover/")
    banner(page).get_by_role("button", name="Reject all").click()
    banner(page).wait_for(state="detached")
    page.reload()
    assert banner(page).count() == 0
    assert page.locator(ANALYTICS).count() == 0
    assert cookie_names(context) <= necessary()
    assert ConsentRecord.objects.get().choices == {
        "analytics": False,
        "marketing": False,
    }


def test_accept_all_loads_the_analytics_and_it_counts_on_this_site(
    live_server, new_context
):
    context = new_context()
    page = context.new_page()
    elsewhere = []
    page.on(
        "request",
        lambda request: (
            elsewhere.append(request.url)
            if not request.url.startswith(live_server.url)
            else None
        ),
    )
    page.goto(live_server.url + "/")
    banner(page).get_by_role("button", name="Accept all").click()
    # With JavaScript the banner goes without a reload, and the script comes.
    banner(page).wait_for(state="detached")
    assert page.locator(ANALYTICS).count() == 1
    assert wait_for(lambda: "site_visitor" in cookie_names(context))
    assert wait_for(lambda: PageViewCount.objects.filter(path="/").exists())
    page.goto(live_server.url + "/cookies/")
    assert page.locator(ANALYTICS).count() == 1
    assert elsewhere == []


def test_choose_analytics_only(live_server, new_context):
    context = new_context()
    page = context.new_page()
    page.goto(live_server.url + "/licenses/recover/")
    banner(page).get_by_role("link", name="Let me choose").click()
    page.wait_for_url("**/cookies/settings/**")
    assert not page.get_by_label("Analytics").is_checked()
    assert not page.get_by_label("Marketing").is_checked()
    page.get_by_label("Analytics").check()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url(live_server.url + "/licenses/recover/")
    assert page.locator(ANALYTICS).count() == 1
    record = ConsentRecord.objects.get()
    assert record.choices == {"analytics": True, "marketing": False}
    assert record.method == "settings"


def test_changing_ones_mind_in_the_settings_removes_the_cookies(
    live_server, new_context
):
    context = new_context()
    page = context.new_page()
    page.goto(live_server.url + "/")
    banner(page).get_by_role("button", name="Accept all").click()
    assert wait_for(lambda: "site_visitor" in cookie_names(context))
    page.get_by_role("link", name="Cookie settings").click()
    assert page.get_by_label("Analytics").is_checked()
    page.get_by_role("button", name="Reject all").click()
    page.wait_for_url("**/cookies/settings/")
    assert page.get_by_text("Your cookie choices are saved.").is_visible()
    assert "site_visitor" not in cookie_names(context)
    assert not page.get_by_label("Analytics").is_checked()
    assert page.locator(ANALYTICS).count() == 0
    assert [r.method for r in ConsentRecord.objects.order_by("created_at")] == [
        "banner",
        "settings",
    ]
    table = page.get_by_role("table")
    assert table.get_by_text("Analytics: rejected").is_visible()


def test_a_changed_inventory_brings_the_banner_back(
    live_server, new_context, monkeypatch
):
    context = new_context()
    page = context.new_page()
    page.goto(live_server.url + "/")
    banner(page).get_by_role("button", name="Accept all").click()
    banner(page).wait_for(state="detached")
    page.reload()
    assert banner(page).count() == 0
    # The live server runs in this process: the inventory changes under it.
    monkeypatch.setattr(inventory, "policy_version", lambda: "changed00000")
    services.inventory_sync()
    page.reload()
    assert banner(page).is_visible()
    assert page.locator(ANALYTICS).count() == 0


def test_the_banner_works_without_javascript(live_server, new_context):
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/licenses/recover/")
    banner(page).get_by_role("button", name="Accept all").click()
    page.wait_for_url(live_server.url + "/licenses/recover/")
    assert banner(page).count() == 0
    assert ConsentRecord.objects.get().method == "banner"
    page.get_by_role("link", name="Cookie settings").click()
    assert page.get_by_label("Analytics").is_checked()
    # A group without cookies is shown, and cannot be accepted.
    assert page.get_by_label("Marketing").is_disabled()
    page.get_by_label("Analytics").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url("**/cookies/settings/")
    assert ConsentRecord.objects.first().choices == {
        "analytics": False,
        "marketing": False,
    }


def crawl(page, base: str, start: list[str], *, skip=SKIP) -> set:
    """Every same-site page reachable by links from `start` (GET only)."""
    seen, queue = set(), list(start)
    while queue:
        path = queue.pop(0)
        if path in seen or path.startswith(skip):
            continue
        seen.add(path)
        page.goto(base + path)
        for href in page.locator("a[href]").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        ):
            url = urlsplit(urljoin(base + path, href))
            same_site = f"{url.scheme}://{url.netloc}" == base
            if same_site and not url.path.startswith(("/static/", "/admin/")):
                queue.append(url.path)
    return seen


def test_a_crawl_finds_no_cookie_the_inventory_does_not_list(live_server, new_context):
    customer = customer_with_login()
    license = issue(plan=PlanFactory(seats=2), customer=customer, seats=2)
    public = ["/", "/accounts/login/", "/accounts/signup/", "/cookies/"]
    context = new_context()
    page = context.new_page()
    visited = crawl(page, live_server.url, public)
    assert {
        "/licenses/recover/",
        "/accounts/password/reset/",
        "/cookies/settings/",
    } <= visited
    assert cookie_names(context) <= necessary(), visited
    banner(page).get_by_role("button", name="Accept all").click()
    banner(page).wait_for(state="detached")
    crawl(page, live_server.url, public)
    assert cookie_names(context) <= listed()
    assert "site_visitor" in cookie_names(context)

    signed_in = new_context()
    sign_in_with_session(signed_in, live_server, customer.user)
    page = signed_in.new_page()
    portal = crawl(page, live_server.url, ["/licenses/"])
    assert {f"/licenses/{license.pk}/", "/profile/"} <= portal
    assert cookie_names(signed_in) <= necessary()
    page.goto(live_server.url + "/licenses/")
    banner(page).get_by_role("button", name="Accept all").click()
    banner(page).wait_for(state="detached")
    crawl(page, live_server.url, ["/licenses/"])
    assert cookie_names(signed_in) <= listed()
    assert ConsentRecord.objects.filter(user=customer.user).count() == 1
    assert settings.SESSION_COOKIE_NAME in cookie_names(signed_in)
