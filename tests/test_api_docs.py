"""The API docs page is served entirely from the site: no CDN, nothing fetched from elsewhere."""

import re
from html.parser import HTMLParser

import pytest


class Resources(HTMLParser):
    """The addresses of every script, stylesheet and icon a page loads."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


@pytest.mark.django_db
def test_the_api_docs_load_swagger_ui_from_the_site(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for external in ("cdn", "//unpkg", "jsdelivr", "http://", "https://"):
        assert external not in html.lower()
    parser = Resources()
    parser.feed(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in parser.urls)
    assert any(url.endswith("swagger-ui.css") for url in parser.urls)
    for url in parser.urls:
        assert url.startswith(("/static/", "/api/docs/?")), url


@pytest.mark.django_db
def test_the_swagger_ui_files_and_its_start_script_are_served(client):
    html = client.get("/api/docs/").content.decode()
    parser = Resources()
    parser.feed(html)
    for url in parser.urls:
        response = client.get(url)
        assert response.status_code == 200, url
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert re.search(r"/api/schema/", script.content.decode())
