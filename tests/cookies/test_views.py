"""The banner's answers, the settings page, the policy page, lapsing consent and
the visit counter, through Django's test client."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from cookie_consent.models import Cookie, CookieGroup
from django.utils import timezone, translation

from cookies import inventory, services
from cookies.models import ConsentRecord, PageViewCount, PolicyVersion
from core import ratelimit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BANNER = "data-consent-banner"
ANALYTICS_SCRIPT = '<script src="/static/js/analytics.js"'


def answer(client, choice, *, source="banner", next="/", **groups):
    data = {"choice": choice, "source": source, "next": next}
    data.update({name: "on" for name, ticked in groups.items() if ticked})
    return client.post("/cookies/consent/", data)


def test_a_first_visit_shows_the_banner_and_no_analytics(client):
    page = client.get("/")
    html = page.content.decode()
    assert BANNER in html
    assert ANALYTICS_SCRIPT not in html
    # Three answers of equal weight: the same element and class.
    for label in ("Accept all", "Reject all", "Let me choose"):
        assert 'class="button"' in html and label in html
    assert set(page.cookies) <= {"csrftoken"}


def test_accept_all_records_the_choice_and_loads_analytics(client):
    response = answer(client, "accept-all", next="/licenses/recover/")
    assert response.status_code == 302
    assert response["Location"] == "/licenses/recover/"
    record = ConsentRecord.objects.get()
    # Marketing has no cookie to accept (yet): never recorded as accepted.
    assert record.choices == {"analytics": True, "marketing": False}
    assert record.method == "banner"
    assert record.user is None
    assert record.policy.version == inventory.policy_version()
    consent_id = client.cookies["cookie_consent_id"].value
    # The consent id is in the browser; the database holds only its keyed hash.
    assert record.consent_index == services.consent_index(consent_id.split(":")[0])
    assert consent_id.split(":")[0] not in str(ConsentRecord.objects.values().get())
    html = client.get("/").content.decode()
    assert BANNER not in html
    assert ANALYTICS_SCRIPT in html


def test_reject_all_removes_the_analytics_cookie_and_the_script(client):
    answer(client, "accept-all")
    client.cookies["site_visitor"] = "abc"
    response = answer(client, "reject-all")
    assert response.cookies["site_visitor"]["max-age"] == 0
    assert ConsentRecord.objects.first().choices == {
        "analytics": False,
        "marketing": False,
    }
    html = client.get("/").content.decode()
    assert BANNER not in html
    assert ANALYTICS_SCRIPT not in html


def test_choose_writes_every_group_at_once(client):
    response = answer(client, "save", source="settings", analytics=True)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert ConsentRecord.objects.get().choices == {
        "analytics": True,
        "marketing": False,
    }
    # Accepted and declined in one answer: both kept (the library's processor
    # would lose the first of two).
    assert response.cookies["cookie_consent"].value.count("=") == 2
    assert ANALYTICS_SCRIPT in client.get("/").content.decode()


def test_a_signed_in_choice_names_the_user_and_shows_in_the_profile(client):
    user = UserFactory()
    client.force_login(user)
    answer(client, "accept-all")
    assert ConsentRecord.objects.get().user == user
    page = client.get("/cookies/settings/").content.decode()
    assert "Banner" in page and "accepted" in page


def test_the_script_answer_gets_json_and_the_same_cookies(client):
    response = client.post(
        "/cookies/consent/",
        {"choice": "save", "source": "banner", "analytics": "on"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    assert response.json() == {"analytics": True, "marketing": False}
    assert "cookie_consent_id" in response.cookies


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"choice": "accept-everything", "source": "banner"},
        {"choice": "accept-all", "source": "expiry"},
    ],
)
def test_bad_answers_are_refused_and_nothing_is_recorded(client, data):
    response = client.post("/cookies/consent/", data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not ConsentRecord.objects.exists()
    assert "cookie_consent" not in response.cookies


def test_a_next_elsewhere_goes_to_the_settings_page(client):
    response = answer(client, "reject-all", next="https://evil.example/")
    assert response["Location"] == "/cookies/settings/"


def test_get_is_not_an_answer(client):
    assert client.get("/cookies/consent/").status_code == 405


def test_the_settings_page_shows_the_current_choices_and_their_history(client):
    page = client.get("/cookies/settings/").content.decode()
    assert "No cookie choices recorded yet." in page
    assert "checked" not in page.replace("checked disabled", "")  # nothing pre-ticked
    answer(client, "save", source="settings", analytics=True)
    page = client.get("/cookies/settings/").content.decode()
    assert 'id="id_analytics" checked' in page
    assert "Cookie settings" in page and "Analytics: accepted" in page


def test_the_policy_page_lists_the_inventory_with_its_version(client):
    page = client.get("/cookies/").content.decode()
    for cookie in inventory.cookies():
        assert f"<code>{cookie.name}</code>" in page
    assert inventory.policy_version() in page
    assert "A script in the page" in page


def test_the_policy_page_in_norwegian(client):
    page = client.get("/cookies/", headers={"accept-language": "nb"}).content.decode()
    assert "Informasjonskapsler" in page
    assert "Nødvendige" in page


def test_a_consent_lapses_after_the_renewal_days(client, settings):
    answer(client, "accept-all")
    client.cookies["site_visitor"] = "abc"
    later = timezone.now() + timedelta(days=settings.COOKIE_CONSENT_RENEW_DAYS + 1)
    with time_machine.travel(later, tick=False):
        page = client.get("/")
        assert BANNER in page.content.decode()
        assert ANALYTICS_SCRIPT not in page.content.decode()
        assert page.cookies["site_visitor"]["max-age"] == 0
        assert page.cookies["cookie_consent"]["max-age"] == 0
        lapse = ConsentRecord.objects.first()
        assert lapse.method == "expiry"
        assert lapse.choices == {"analytics": False, "marketing": False}
        # Recorded once, and the same browser keeps its history.
        client.get("/")
        assert ConsentRecord.objects.filter(method="expiry").count() == 1
        assert ConsentRecord.objects.values("consent_index").distinct().count() == 1


def test_the_library_cookie_lives_as_long_as_the_consent(settings):
    assert settings.COOKIE_CONSENT_MAX_AGE == settings.COOKIE_CONSENT_RENEW_DAYS * 86400


def test_a_changed_inventory_brings_the_banner_back(client, monkeypatch):
    answer(client, "accept-all")
    assert BANNER not in client.get("/").content.decode()
    monkeypatch.setattr(inventory, "policy_version", lambda: "changed00000")
    services.inventory_sync()
    page = client.get("/").content.decode()
    assert BANNER in page
    assert ANALYTICS_SCRIPT not in page


def test_a_forged_consent_id_is_dropped(client):
    client.cookies["cookie_consent_id"] = "made-up:value"
    response = client.get("/")
    assert response.cookies["cookie_consent_id"]["max-age"] == 0
    assert BANNER in response.content.decode()


def test_visits_are_counted_only_with_analytics_consent(client):
    first, second = uuid.uuid4(), uuid.uuid4()
    hit = {"path": f"/licenses/{first}/?email=a@example.org", "new": "1"}
    assert client.post("/cookies/analytics/", hit).status_code == 204
    assert not PageViewCount.objects.exists()
    answer(client, "accept-all")
    client.post("/cookies/analytics/", hit)
    client.post("/cookies/analytics/", {"path": f"/licenses/{second}/"})
    row = PageViewCount.objects.get()
    # The page's pattern is counted: no id, token or address is ever stored.
    assert (row.path, row.views, row.new_visitors) == (
        "/licenses/<uuid:license_id>/",
        2,
        1,
    )


@pytest.mark.parametrize(
    "path",
    ["", "https://elsewhere.example/", "x" * 2001, "/alice@example.org/", "/nope/"],
)
def test_a_bad_visit_is_refused(client, path):
    answer(client, "accept-all")
    assert client.post("/cookies/analytics/", {"path": path}).status_code == 400
    assert not PageViewCount.objects.exists()


def test_beacons_are_limited_per_client(client, settings):
    settings.ANALYTICS_BEACONS_PER_CLIENT = "2/min"
    settings.REDIS_URL = ""  # counted in this process, from zero
    ratelimit._memory.clear()
    answer(client, "accept-all")
    for _ in range(5):
        assert client.post("/cookies/analytics/", {"path": "/"}).status_code == 204
    assert PageViewCount.objects.get().views == 2


def test_a_long_next_is_dropped_not_refused(client):
    response = answer(client, "accept-all", next="/cookies/?q=" + "a" * 2100)
    assert response.status_code == 302
    assert response["Location"] == "/cookies/settings/"
    assert ConsentRecord.objects.count() == 1


def test_a_lapse_is_recorded_once_however_often_the_browser_returns(client, settings):
    answer(client, "accept-all")
    stale = client.cookies["cookie_consent_id"].value
    later = timezone.now() + timedelta(days=settings.COOKIE_CONSENT_RENEW_DAYS + 1)
    with time_machine.travel(later, tick=False):
        for _ in range(3):
            client.cookies["cookie_consent_id"] = stale  # ignoring Set-Cookie
            client.get("/")
    assert ConsentRecord.objects.filter(method="expiry").count() == 1


def test_a_consent_id_older_than_its_cookie_can_live_is_dropped(client, settings):
    answer(client, "accept-all")
    much_later = timezone.now() + timedelta(
        days=settings.COOKIE_CONSENT_RENEW_DAYS + inventory.CONSENT_ID_GRACE_DAYS + 1
    )
    with time_machine.travel(much_later, tick=False):
        response = client.get("/")
    assert response.cookies["cookie_consent_id"]["max-age"] == 0
    assert not ConsentRecord.objects.filter(method="expiry").exists()


def test_a_changed_inventory_removes_what_was_accepted_before(client, monkeypatch):
    answer(client, "accept-all")
    client.cookies["site_visitor"] = "abc"
    monkeypatch.setattr(inventory, "policy_version", lambda: "changed00000")
    services.inventory_sync()
    response = client.get("/")
    assert response.cookies["site_visitor"]["max-age"] == 0


def test_an_answer_republishes_emptied_library_tables(client):
    Cookie.objects.all().delete()
    CookieGroup.objects.all().delete()
    answer(client, "accept-all")
    assert CookieGroup.objects.filter(varname="analytics").exists()
    assert BANNER not in client.get("/").content.decode()


def test_a_sync_during_a_norwegian_request_stores_english(client):
    PolicyVersion.objects.all().delete()
    with translation.override("nb"):
        services.policy_current()
    assert Cookie.objects.get(name="cookie_consent").detail.expiry == "365 days"


def test_after_signing_out_the_browser_shows_no_ones_signed_in_choices(client):
    user = UserFactory()
    client.force_login(user)
    answer(client, "accept-all")
    client.logout()
    page = client.get("/cookies/settings/").content.decode()
    assert "No cookie choices recorded yet." in page
