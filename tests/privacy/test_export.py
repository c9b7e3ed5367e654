"""A copy of everything held about a person: asked for in the privacy center,
built by a Celery task, emailed as a link valid 7 days for them alone."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from privacy import services
from privacy.models import DataExport, PrivacyCase
from privacy.tasks import purge_expired_exports
from tests.browser.portal import PASSWORD
from tests.links import link_path
from tests.privacy.conftest import EMAIL, NAME

pytestmark = pytest.mark.django_db

DOWNLOAD = r"/privacy/exports/[^/]+/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def archive_of(content: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["data.json", "summary.txt"]
        document = json.loads(archive.read("data.json"))
        document["summary"] = archive.read("summary.txt").decode()
    return document


def test_a_person_downloads_everything_held_about_them(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    client = signed_in(person.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/privacy/")
    assert response.status_code == 302
    export = DataExport.objects.get()
    assert export.status == "ready"
    assert export.case.kind == PrivacyCase.Kind.ACCESS and export.case.status == "done"
    email = next(
        m for m in mailoutbox if m.to == [EMAIL] and "/privacy/exports/" in m.body
    )
    download = client.get(link_path(email, DOWNLOAD))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    document = archive_of(download.content)
    data = document["data"]
    # Every app's rows about the person.
    assert data["accounts.Customer"][0]["name"] == NAME
    assert data["accounts.Customer"][0]["email"] == EMAIL
    assert data["accounts.User"][0]["email"] == EMAIL
    assert {a["email"] for a in data["account.EmailAddress"]} == {EMAIL}
    assert len(data["mfa.Authenticator"]) == 1
    assert {lic["id"] for lic in data["licensing.License"]} == {
        str(lic.pk) for lic in person.licenses
    }
    assert {a["label"] for a in data["licensing.Activation"]} == {
        "Vera's laptop",
        "Vera's desktop",
    }
    assert len(data["licensing.Invoice"]) == 2
    assert len(data["licensing.TransferOffer"]) == 1
    assert data["cookies.ConsentRecord"][0]["choices"]["analytics"] is True
    assert any(
        row["template"] == "licensing/email/license_issued"
        for row in data["core.OutboxEmail"]
    )
    assert any(row["action"] == "customer.viewed" for row in data["core.AuditEvent"])
    # Explained: what each field is, and the Art. 15(1) facts.
    assert document["schema"]["accounts.Customer"]["email"]["personal"] is True
    assert document["schema"]["accounts.Customer"]["email"]["legal_basis"].startswith(
        "contract"
    )
    facts = document["facts"]
    assert any("North Resellers" in r for r in facts["recipients"])
    assert facts["purposes"] and facts["sources"] and facts["transfers"]
    assert "Customers: 1" in document["summary"]
    # Secrets are the person's but not handed out: no password hash, TOTP seed,
    # nor the address a transfer offer went to (maybe someone else's).
    assert "password" not in data["accounts.User"][0]
    assert "data" not in data["mfa.Authenticator"][0]
    assert "email" not in data["licensing.TransferOffer"][0]


def test_the_link_is_for_that_person_alone_and_for_7_days(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(person.user).post("/privacy/")
    email = next(m for m in mailoutbox if "/privacy/exports/" in m.body)
    path = link_path(email, DOWNLOAD)
    assert Client().get(path).status_code == 302  # to the sign-in page
    assert signed_in(person.partner_user).get(path).status_code == 404
    later = timezone.now() + timedelta(days=7, minutes=1)
    with time_machine.travel(later, tick=False):
        assert signed_in(person.user).get(path).status_code == 404
    assert (
        signed_in(person.user).get("/privacy/exports/not-a-token/").status_code == 404
    )


def test_one_copy_a_calendar_day(person, django_capture_on_commit_callbacks):
    client = signed_in(person.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/")
        again = client.post("/privacy/", follow=True)
    assert DataExport.objects.count() == 1
    assert "one copy of your data a day" in again.content.decode()
    page = client.get("/privacy/").content.decode()
    assert "the next one tomorrow" in page
    tomorrow = timezone.now() + timedelta(days=1)
    with (
        time_machine.travel(tomorrow, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post("/privacy/")
    assert DataExport.objects.count() == 2


def test_expired_exports_are_deleted(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(person.user).post("/privacy/")
    assert purge_expired_exports() == 0
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert purge_expired_exports() == 1
    assert not DataExport.objects.exists()


def test_the_dpo_writes_the_same_zip_with_a_command(person, tmp_path):
    out = io.StringIO()
    target = tmp_path / "vera.zip"
    call_command(
        "privacy_export", email="VERA@example.org", output=str(target), stdout=out
    )
    document = archive_of(target.read_bytes())
    assert document["data"]["accounts.Customer"][0]["email"] == EMAIL
    case = PrivacyCase.objects.get()
    assert case.reference in out.getvalue() and case.status == "done"


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    assert client.get("/privacy/")["Location"].startswith("/accounts/login/")


def test_the_link_still_opens_the_copy_while_the_account_waits_for_erasure(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(person.user).post("/privacy/")
    path = link_path(
        next(m for m in mailoutbox if "/privacy/exports/" in m.body), DOWNLOAD
    )
    services.erasure_request(user=person.user)
    assert Client().get(path).status_code == 200
    # And the sign-in page says why the account is disabled.
    page = Client().post(
        "/accounts/login/", {"login": EMAIL, "password": PASSWORD}, follow=True
    )
    assert "asked us to delete your data" in page.content.decode()
