"""Every response carries the Content-Security-Policy, and no page needs an exception to it.

The policy allows scripts and styles from the site only, so a page must hold no
inline `<script>` body, no `<style>` block and no `style=` attribute.
"""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from core.audit import Actor
from core.models import OutboxEmail
from licensing import services
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def policy_of(response) -> dict:
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, style blocks and attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.found.append(f"<{tag} style={attrs['style']!r}>")
        if any(name.startswith("on") for name in attrs):
            self.found.append(f"<{tag}> event handler attribute")
        if tag == "style":
            self.found.append("<style> block")
        self._script_without_src = tag == "script" and not attrs.get("src")

    def handle_data(self, data):
        if self._script_without_src and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_without_src = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.fixture
def staff_client(client, db):
    user = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/api/docs/", "/api/docs/?script=", "/admin/login/", "/no-such-page/"]
)
def test_pages_send_the_policy(client, path):
    response = client.get(path)
    assert policy_of(response) == POLICY


@pytest.mark.django_db
def test_the_json_api_is_exempt_its_answers_never_render(client):
    services.signing_key_rotate(actor=Actor.system())
    drf = client.get("/api/v1/signing-keys")
    lean = client.post(
        "/api/v1/licenses/validate",
        data=json.dumps({"key": "NOPE"}),
        content_type="application/json",
    )
    assert drf.status_code == 200
    assert lean.status_code in (200, 400)  # the lean view, whatever it answers
    assert "Content-Security-Policy" not in drf
    assert "Content-Security-Policy" not in lean
    # The API's documentation is a page: it has the policy.
    assert policy_of(client.get("/api/docs/")) == POLICY


@pytest.mark.django_db
def test_the_site_pages_hold_no_inline_script_or_style(client):
    pages = [
        "/",
        "/no-such-page/",
        reverse("unsubscribe", args=["not-a-token"]),
        reverse("registration-confirm", args=["not-a-token"]),
        reverse("transfer-accept", args=["not-a-token"]),
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert inline_code(response.content.decode()) == [], path


def test_the_server_error_page_holds_no_inline_style():
    assert inline_code(render_to_string("500.html")) == []


@pytest.mark.django_db
def test_the_api_docs_hold_no_inline_script_or_style(client):
    response = client.get("/api/docs/")
    assert inline_code(response.content.decode()) == []


@pytest.mark.django_db
def test_the_admin_holds_no_inline_script_or_style(staff_client):
    # The admin signs in through allauth's page.
    login = Client().get("/admin/login/", follow=True)
    assert login.status_code == 200
    assert login.redirect_chain[-1][0].startswith("/accounts/login/")
    assert inline_code(login.content.decode()) == []
    staff = UserFactory(email="other.staff@example.com", is_staff=True)
    email = OutboxEmail.objects.create(
        idempotency_key="csp:1",
        template="t",
        language="en",
        to="x@example.org",
        subject="s",
        body_text="b",
    )
    pages = [
        "/admin/",
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[staff.pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:core_outboxemail_changelist"),
        reverse("admin:core_outboxemail_change", args=[email.pk]),
    ]
    for path in pages:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.content.decode()) == [], path


def page_templates():
    """The project's page templates (emails are not pages: mail clients need inline styles)."""
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    for folder in folders:
        for path in sorted(folder.rglob("*.html")):
            relative = path.relative_to(folder)
            if "email" in relative.parts or "emails" in relative.parts:
                continue
            yield path


def test_no_page_template_holds_inline_script_or_style():
    templates = list(page_templates())
    assert templates
    offending = {
        str(path.relative_to(ROOT)): found
        for path in templates
        if (found := inline_code(path.read_text()))
    }
    assert offending == {}
