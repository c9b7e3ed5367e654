"""The admin shows the inventory and the proof of consent, and edits neither."""

import pytest
from cookie_consent.models import Cookie

from cookies import services
from cookies.models import ConsentRecord

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/admin/cookie_consent/cookie/",
        "/admin/cookie_consent/cookiegroup/",
        "/admin/cookies/policyversion/",
        "/admin/cookies/consentrecord/",
        "/admin/cookies/pageviewcount/",
    ],
)
def test_the_lists_show(admin_client, path):
    services.consent_give(
        consent_id=None, user=None, choices={"analytics": True}, method="banner"
    )
    assert admin_client.get(path).status_code == 200


def test_the_inventory_and_the_records_cannot_be_edited_in_the_admin(admin_client):
    cookie = Cookie.objects.get(name="site_visitor")
    page = admin_client.get(f"/admin/cookie_consent/cookie/{cookie.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert b"365 days" in page.content  # the companion's details, inline
    assert (
        admin_client.post(
            f"/admin/cookie_consent/cookie/{cookie.pk}/change/", {"name": "x"}
        ).status_code
        == 403
    )
    _id, record = services.consent_give(
        consent_id=None, user=None, choices={}, method="banner"
    )
    assert (
        admin_client.post(
            f"/admin/cookies/consentrecord/{record.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert ConsentRecord.objects.filter(pk=record.pk).exists()
    assert admin_client.get("/admin/cookie_consent/logitem/").status_code == 404
