"""The inventory is code; `inventory_sync` publishes it into django-cookie-consent's
tables and ours, and a change of content is a new policy version."""

import io

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.core.management import call_command
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from cookies import inventory, services
from cookies.models import CookieDetail, PolicyVersion

pytestmark = pytest.mark.django_db


def test_every_cookie_django_and_allauth_set_is_listed_under_its_real_name(settings):
    names = {cookie.name: cookie.group for cookie in inventory.cookies()}
    assert names == {
        settings.SESSION_COOKIE_NAME: "necessary",
        settings.CSRF_COOKIE_NAME: "necessary",
        settings.LANGUAGE_COOKIE_NAME: "necessary",
        "messages": "necessary",  # Django's default message storage starts in a cookie
        settings.COOKIE_CONSENT_NAME: "necessary",
        settings.COOKIE_CONSENT_ID_NAME: "necessary",
        "site_visitor": "analytics",
    }
    settings.MFA_TRUST_ENABLED = True
    assert "mfa_trusted" in {cookie.name for cookie in inventory.cookies()}


def test_migrate_published_the_inventory_into_the_library_tables():
    policy = PolicyVersion.objects.get()
    assert policy.version == inventory.policy_version()
    assert set(CookieGroup.objects.values_list("varname", "is_required")) == {
        ("necessary", True),
        ("analytics", False),
        ("marketing", False),
    }
    visitor = Cookie.objects.get(name="site_visitor")
    assert visitor.cookiegroup.varname == "analytics"
    assert visitor.detail.set_by == CookieDetail.SetBy.SCRIPT
    assert visitor.detail.expiry == "365 days"
    assert Cookie.objects.count() == len(inventory.cookies())
    assert policy.inventory == inventory.snapshot()


def test_a_sync_without_a_change_publishes_nothing_new():
    before = list(Cookie.objects.values_list("name", "created"))
    out = io.StringIO()
    call_command("sync_cookies", stdout=out)
    assert inventory.policy_version() in out.getvalue()
    assert PolicyVersion.objects.count() == 1
    assert list(Cookie.objects.values_list("name", "created")) == before


def test_a_changed_purpose_is_a_new_version_and_every_cookie_newer(monkeypatch):
    old = PolicyVersion.objects.get()
    old_created = Cookie.objects.get(name="site_visitor").created
    listed = inventory.cookies()
    changed = tuple(
        cookie
        if cookie.name != "site_visitor"
        else inventory.Cookie(
            cookie.name,
            cookie.group,
            cookie.provider,
            _("Counts visits, and now something else."),
            cookie.expiry,
            set_by=cookie.set_by,
        )
        for cookie in listed
    )
    monkeypatch.setattr(inventory, "cookies", lambda: changed)
    new = services.inventory_sync()
    assert new.version != old.version
    assert new.published_at > old.published_at
    visitor = Cookie.objects.get(name="site_visitor")
    assert visitor.detail.purpose == "Counts visits, and now something else."
    assert visitor.created > old_created
    # The library compares an acceptance with its group's version: now newer.
    assert CookieGroup.objects.get(varname="analytics").get_version() > str(
        old_created.isoformat()
    )


def test_a_cookie_taken_out_of_the_inventory_leaves_the_tables(monkeypatch):
    kept = tuple(c for c in inventory.cookies() if c.name != "site_visitor")
    monkeypatch.setattr(inventory, "cookies", lambda: kept)
    services.inventory_sync()
    assert not Cookie.objects.filter(name="site_visitor").exists()
    assert not CookieDetail.objects.filter(cookie__name="site_visitor").exists()


def test_the_version_is_the_same_in_every_language():
    with override("nb"):
        norwegian = inventory.policy_version()
    assert norwegian == inventory.policy_version()
