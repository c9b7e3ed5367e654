"""The customer portal's journeys, each end to end in a real browser against a
live server: signing up and claiming a key, releasing a machine, offline
activation, switching language, recovering keys, terminating, and two-factor
sign-in."""

import base64
import hashlib
import json
import re
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core import mail
from django.test import Client
from django.utils import formats, timezone, translation

from accounts.models import Customer
from licensing import keys, selectors, services, signing
from licensing.models import License
from tests.browser.portal import (
    EMAIL,
    PASSWORD,
    PASSWORD_FIELD,
    confirm_access,
    customer_with_login,
    sign_in,
    sign_in_with_session,
)
from tests.factories import PlanFactory, issue
from tests.links import link_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner(db):
    return customer_with_login("owner@example.org")


@pytest.fixture
def license(owner):
    return issue(plan=PlanFactory(seats=3), customer=owner, seats=3)


def sent_to(address: str, *, within: float = 5.0):
    """The emails sent to `address` (waiting a moment for the live server's commit)."""
    deadline = time.monotonic() + within
    while True:
        found = [m for m in mail.outbox if address in m.to]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def validate(license, fingerprint: str) -> str:
    """The code the client API answers for this license and machine."""
    response = Client().post(
        "/api/v1/licenses/validate",
        {"key": license.key, "fingerprint": fingerprint, "product": "desktop"},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()["code"]


def totp_now(secret: str) -> str:
    """The current TOTP code (RFC 6238, as allauth computes it), taken early
    enough in its 30-second window that the server still accepts it."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_sign_up_verify_the_address_and_claim_a_license(live_server, page):
    unclaimed = issue(plan=PlanFactory(seats=1))
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label(EMAIL).fill("new@example.org")
    page.get_by_label(PASSWORD_FIELD).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    [verification] = sent_to("new@example.org")
    page.goto(
        live_server.url + link_path(verification, r"/accounts/confirm-email/[^/]+/")
    )
    page.get_by_role("button", name="Confirm").click()
    # Confirmed; the address is the login's, and it signs in with it.
    page.get_by_text("You have confirmed new@example.org.").wait_for()
    sign_in(page, live_server, "new@example.org", go=False)
    page.goto(f"{live_server.url}/licenses/claim/")
    page.get_by_label("License key").fill(keys.display(unclaimed.key))
    page.get_by_label("Consumer (a private person)").check()
    page.get_by_label("I accept the license agreement.").check()
    page.get_by_role("button", name="Add the license").click()
    page.wait_for_url(f"{live_server.url}/licenses/{unclaimed.pk}/")
    page.goto(f"{live_server.url}/licenses/")
    row = page.get_by_role("row", name=re.compile("Desktop 7"))
    assert row.count() == 1
    customer = Customer.objects.get(user__email="new@example.org")
    assert License.objects.get(pk=unclaimed.pk).customer == customer


def test_release_a_machine_and_the_api_no_longer_knows_it(
    live_server, page, owner, license, signing_key
):
    services.activation_create(
        canonical_key=license.key, fingerprint="office-pc", label="Office PC"
    )
    assert validate(license, "office-pc") == "VALID"
    sign_in_with_session(page.context, live_server, owner.user)
    page.goto(f"{live_server.url}/licenses/{license.pk}/")
    page.get_by_role("row", name=re.compile("Office PC")).get_by_role(
        "link", name="Release"
    ).click()
    page.get_by_role("button", name="Release the machine").click()
    page.wait_for_url(f"{live_server.url}/licenses/{license.pk}/")
    page.get_by_text("No machine holds a seat.").wait_for()
    assert validate(license, "office-pc") in (
        "NO_MACHINE",
        "FINGERPRINT_SCOPE_MISMATCH",
    )


def test_activate_offline_and_verify_the_file_with_the_public_key_alone(
    live_server, page, owner, license, signing_key
):
    fingerprint = "lab-machine-7f3a"
    sign_in_with_session(page.context, live_server, owner.user)
    page.goto(f"{live_server.url}/licenses/{license.pk}/")
    page.get_by_role("link", name="Activate a machine offline").click()
    page.get_by_label("Machine fingerprint").fill(fingerprint)
    page.get_by_label("Machine name (optional)").fill("Lab")
    with page.expect_download() as download_info:
        page.get_by_role(
            "button", name="Activate and download the license file"
        ).click()
    file = json.loads(Path(download_info.value.path()).read_bytes())
    public = {k["keyid"]: k["public_key"] for k in signing.public_keys()}
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public[file["keyid"]]))
    payload = base64.b64decode(file["payload"])
    key.verify(base64.b64decode(file["signature"]), payload)  # raises if forged
    document = json.loads(payload)
    printed = keys.display(license.key)
    expected = hashlib.sha256(f"{printed}\n{fingerprint}".encode()).hexdigest()
    assert document["binding"] == expected
    assert document["license"] == str(license.pk)
    assert license.activations.get().checked_out_until is not None


def test_switch_to_norwegian_with_the_language_switch(live_server, page, owner):
    sign_in_with_session(page.context, live_server, owner.user)
    page.goto(f"{live_server.url}/licenses/")
    page.get_by_role("heading", name="My licenses").wait_for()
    page.get_by_label("Language").select_option("nb")
    page.get_by_role("button", name="Change").click()
    page.get_by_role("heading", name="Mine lisenser").wait_for()
    assert page.locator("html").get_attribute("lang") == "nb"
    page.goto(f"{live_server.url}/profile/")  # it stays Norwegian
    assert page.locator("html").get_attribute("lang") == "nb"


def recover(page, live_server, email) -> str:
    page.goto(f"{live_server.url}/licenses/recover/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email my keys").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    return page.locator("main").inner_text()


def test_recovering_keys_answers_the_same_for_known_and_unknown_addresses(
    live_server, page, owner, license
):
    known = recover(page, live_server, "owner@example.org")
    unknown = recover(page, live_server, "nobody@example.org")
    assert known == unknown
    [email] = sent_to("owner@example.org")
    assert keys.display(license.key) in email.body
    assert sent_to("nobody@example.org", within=0.5) == []


def test_terminate_with_the_effective_date_shown_before_confirming(
    live_server, page, owner, license
):
    sign_in(page, live_server, "owner@example.org")
    page.goto(f"{live_server.url}/licenses/{license.pk}/")
    page.get_by_role("link", name="Terminate").click()
    page.get_by_role("heading", name="Terminate this license?").wait_for()
    shown = page.locator(".portal-date strong").inner_text()
    expected = selectors.termination_effective_on(
        license, received_on=timezone.localdate()
    )
    page.get_by_role("button", name="Give notice").click()
    confirm_access(page)  # then allauth resumes the notice
    page.wait_for_url(f"{live_server.url}/licenses/{license.pk}/")
    ends_on = page.locator("dt", has_text="Ends on").locator(
        "xpath=following-sibling::dd[1]"
    )
    assert ends_on.inner_text() == shown
    with translation.override("en"):
        assert shown == formats.date_format(expected, "DATE_FORMAT")
    assert page.get_by_role("link", name="Terminate").count() == 0
    license.refresh_from_db()
    assert license.termination_effective_on == expected


def test_set_up_totp_and_sign_in_with_a_code(live_server, page, owner):
    sign_in(page, live_server, "owner@example.org")
    page.goto(f"{live_server.url}/accounts/2fa/")
    page.get_by_role("link", name="Activate").click()
    confirm_access(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    assert owner.user.authenticator_set.filter(type="totp").exists()
    page.get_by_role("link", name="Sign out").click()
    page.get_by_role("button", name="Sign Out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(EMAIL).fill("owner@example.org")
    page.get_by_label(PASSWORD_FIELD).fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label(re.compile(r"^Code:?$")).fill(totp_now(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/licenses/")
    page.get_by_role("heading", name="My licenses").wait_for()
