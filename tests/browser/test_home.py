import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_says_what_the_site_is_and_links_to_the_api_docs(
    live_server, page
):
    page.goto(live_server.url)
    assert "license service" in page.locator("h1").inner_text()
    page.get_by_role("link", name="Read the API documentation").click()
    page.wait_for_url("**/api/docs/")


def test_the_language_can_be_switched_and_is_remembered(live_server, page):
    page.goto(live_server.url)
    page.select_option("#language-select", "nb")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert "Lisenstjenesten" in page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "nb"
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["language"] == "nb"
    page.goto(live_server.url)
    assert "Lisenstjenesten" in page.locator("h1").inner_text()


def test_norwegian_is_detected_from_the_browser(live_server, browser):
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.goto(live_server.url)
    assert page.get_by_role("link", name="Les API-dokumentasjonen").is_visible()
    context.close()
