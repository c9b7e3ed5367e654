"""The admin site: TOTP before anything (ADMIN_REQUIRE_MFA)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(settings):
    settings.ADMIN_REQUIRE_MFA = True
    user = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client, user


def test_staff_without_totp_are_sent_to_set_it_up(staff_client):
    client, _user = staff_client
    for path in ("/admin/", "/admin/licensing/license/", "/admin/accounts/customer/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_signing_out_still_works_without_totp(staff_client):
    client, _user = staff_client
    response = client.post("/admin/logout/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_with_totp_the_admin_opens(staff_client):
    client, user = staff_client
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    assert client.get("/admin/").status_code == 200


def test_off_the_admin_opens_without_totp(staff_client, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client, _user = staff_client
    assert client.get("/admin/").status_code == 200
