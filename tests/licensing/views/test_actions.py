"""What a customer does with their license on the portal: release, offline file,
terminate, withdraw or cancel, transfer, invoices."""

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from core.audit import Actor
from core.models import OutboxEmail
from licensing import selectors, services
from licensing.models import Activation, License, TransferOffer
from tests.factories import CustomerFactory, PlanFactory, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def license(owner):
    return issue(plan=PlanFactory(seats=3), customer=owner, seats=3)


def machine(license, *, checked_out_until=None):
    now = timezone.now()
    return Activation.objects.create(
        license=license,
        fingerprint_hash=f"fp-{Activation.objects.count()}",
        label="Office PC",
        activated_at=now,
        last_heartbeat_at=now,
        checked_out_until=checked_out_until,
    )


def url(license, rest=""):
    return f"/licenses/{license.pk}/{rest}"


# --- permissions ------------------------------------------------------------


@pytest.mark.parametrize(
    "rest",
    [
        "",
        "offline/",
        "terminate/",
        "withdraw/",
        "cancel/",
        "transfer/",
        "transfer/withdraw/",
    ],
)
def test_someone_elses_license_actions_are_not_found(portal, rest):
    other = issue(customer=CustomerFactory())
    assert portal.get(url(other, rest)).status_code == 404
    assert portal.post(url(other, rest)).status_code == 404


def test_anonymous_people_are_sent_to_sign_in_from_an_action(client, license):
    path = url(license, "terminate/")
    response = client.get(path)
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_someone_elses_machine_is_not_found(portal, license):
    theirs = machine(issue(customer=CustomerFactory()))
    response = portal.post(url(license, f"machines/{theirs.pk}/release/"))
    assert response.status_code == 404
    assert Activation.objects.filter(pk=theirs.pk).exists()


def test_someone_elses_invoice_is_not_found(portal, license):
    theirs = issue(customer=CustomerFactory()).invoices.get()
    assert portal.get(url(license, f"invoices/{theirs.pk}/")).status_code == 404


def test_ending_a_license_asks_to_sign_in_again(client, owner, license):
    client.force_login(owner.user)  # signed in, but not recently re-authenticated
    response = client.post(url(license, "terminate/"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    license.refresh_from_db()
    assert license.termination_effective_on is None


# --- machines ---------------------------------------------------------------


def test_releasing_a_machine_asks_first_then_frees_the_seat_and_tells_the_owner(
    portal, license
):
    pc = machine(license)
    release = url(license, f"machines/{pc.pk}/release/")
    assert "Release this machine?" in portal.get(release).content.decode()
    assert Activation.objects.filter(pk=pc.pk).exists()
    response = portal.post(release)
    assert response.status_code == 302
    assert not Activation.objects.filter(pk=pc.pk).exists()
    assert OutboxEmail.objects.filter(
        template="licensing/email/machine_released"
    ).exists()


def test_a_machine_with_an_offline_file_keeps_its_seat_and_says_until_when(
    portal, license
):
    pc = machine(license, checked_out_until=timezone.now() + timedelta(days=5))
    response = portal.post(url(license, f"machines/{pc.pk}/release/"))
    assert response.status_code == 409
    assert response.context["frees_at"] is not None
    assert "The seat frees on" in response.content.decode()
    assert Activation.objects.filter(pk=pc.pk).exists()


def test_releases_are_limited_per_license_and_day(portal, license, settings):
    settings.PORTAL_RELEASES_PER_DAY = 2
    for _ in range(2):
        pc = machine(license)
        assert (
            portal.post(url(license, f"machines/{pc.pk}/release/")).status_code == 302
        )
    pc = machine(license)
    assert portal.post(url(license, f"machines/{pc.pk}/release/")).status_code == 429
    assert Activation.objects.filter(pk=pc.pk).exists()


# --- offline activation -----------------------------------------------------


def test_offline_activation_downloads_a_signed_license_file(
    portal, license, signing_key
):
    response = portal.post(
        url(license, "offline/"), {"fingerprint": "machine-fp-1", "label": "Lab"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    file = json.loads(response.content)
    assert set(file) == {"payload", "keyid", "algorithm", "signature"}
    payload = json.loads(base64.b64decode(file["payload"]))
    assert payload["license"] == str(license.pk)
    activation = license.activations.get()
    assert activation.checked_out_until is not None


def test_offline_activation_needs_a_fingerprint(portal, license):
    response = portal.post(url(license, "offline/"), {"fingerprint": "  "})
    assert response.status_code == 400
    assert "fingerprint" in response.content.decode().lower()
    assert not license.activations.exists()


def test_offline_activation_on_a_full_license_takes_no_seat(portal, owner, signing_key):
    full = issue(plan=PlanFactory(seats=1), customer=owner, seats=1)
    machine(full)
    response = portal.post(url(full, "offline/"), {"fingerprint": "another"})
    assert response.status_code == 409
    assert full.activations.count() == 1


# --- terminate --------------------------------------------------------------


def test_terminate_shows_the_effective_date_before_confirming(portal, license):
    page = portal.get(url(license, "terminate/"))
    expected = selectors.termination_effective_on(
        license, received_on=timezone.localdate()
    )
    assert page.context["effective_on"] == expected
    license.refresh_from_db()
    assert license.termination_effective_on is None
    assert portal.post(url(license, "terminate/")).status_code == 302
    license.refresh_from_db()
    assert license.termination_effective_on == expected


def test_notice_given_twice_is_refused(portal, license):
    portal.post(url(license, "terminate/"))
    response = portal.post(url(license, "terminate/"))
    assert response.status_code == 409
    assert "already been given" in response.content.decode()


# --- withdraw and cancel ----------------------------------------------------


def test_a_consumer_withdraws_within_the_cooling_off_period(portal, license):
    page = portal.get(url(license, "withdraw/"))
    assert page.context["eligible"]
    assert portal.post(url(license, "withdraw/")).status_code == 302
    license.refresh_from_db()
    assert license.status == License.Status.CANCELLED


def test_withdrawal_after_the_period_says_why_not(portal, owner):
    old = issue(customer=owner, purchased_on=timezone.localdate() - timedelta(days=30))
    page = portal.get(url(old, "withdraw/"))
    assert not page.context["eligible"]
    assert "withdrawal period has ended" in page.content.decode()
    assert portal.post(url(old, "withdraw/")).status_code == 409
    old.refresh_from_db()
    assert old.status == License.Status.ACTIVE


def test_a_license_once_installed_cannot_be_cancelled(portal, license):
    License.objects.filter(pk=license.pk).update(first_activated_at=timezone.now())
    response = portal.post(url(license, "cancel/"))
    assert response.status_code == 409
    license.refresh_from_db()
    assert license.status == License.Status.ACTIVE


# --- transfer ---------------------------------------------------------------


def test_a_transfer_is_confirmed_before_it_is_offered(portal, license):
    response = portal.post(url(license, "transfer/"), {"email": "new@example.org"})
    assert response.context["confirm"]
    assert not TransferOffer.objects.exists()
    response = portal.post(
        url(license, "transfer/"), {"email": "new@example.org", "confirmed": "True"}
    )
    assert response.status_code == 200
    assert TransferOffer.objects.get().license_id == license.pk


def test_a_transfer_needs_a_valid_address(portal, license):
    response = portal.post(url(license, "transfer/"), {"email": "nope"})
    assert response.status_code == 400
    assert not TransferOffer.objects.exists()


def test_a_license_with_an_open_invoice_cannot_be_transferred(portal, owner):
    unpaid = issue(customer=owner, paid=False)
    response = portal.post(
        url(unpaid, "transfer/"), {"email": "new@example.org", "confirmed": "True"}
    )
    assert response.status_code == 409
    assert "open invoice" in response.content.decode()
    assert not TransferOffer.objects.exists()


def test_a_transfer_to_your_own_address_is_refused_with_a_reason(
    portal, owner, license
):
    response = portal.post(
        url(license, "transfer/"),
        {"email": owner.email.upper(), "confirmed": "True"},
    )
    assert response.status_code == 409
    assert "already registered to that address" in response.content.decode()
    assert not TransferOffer.objects.exists()


def offer(license, to_email="buyer@example.org"):
    return services.transfer_offer(
        license_id=license.pk, to_email=to_email, actor=Actor.system()
    )


def test_the_license_page_shows_the_pending_offer_with_a_button_to_withdraw_it(
    portal, license
):
    pending = offer(license)
    page = portal.get(url(license)).content.decode()
    assert "Transfer offer pending" in page
    assert "buyer@example.org" in page
    assert (
        date_format(timezone.localtime(pending.expires_at), "DATETIME_FORMAT") in page
    )
    assert f'action="{url(license, "transfer/withdraw/")}"' in page
    assert "Withdraw the offer" in page


def test_no_offer_no_offer_section(portal, license):
    assert "Transfer offer pending" not in portal.get(url(license)).content.decode()


def test_an_expired_offer_is_not_shown_as_pending(portal, license):
    offer(license)
    TransferOffer.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "Transfer offer pending" not in portal.get(url(license)).content.decode()


def test_withdrawing_the_offer_deletes_it(portal, license):
    offer(license)
    response = portal.post(url(license, "transfer/withdraw/"), follow=True)
    assert response.redirect_chain == [(url(license), 302)]
    assert "The transfer offer is withdrawn" in response.content.decode()
    assert not TransferOffer.objects.exists()
    assert "Transfer offer pending" not in response.content.decode()


def test_withdrawing_an_offer_no_longer_there_says_so(portal, license):
    response = portal.post(url(license, "transfer/withdraw/"), follow=True)
    assert response.redirect_chain == [(url(license), 302)]
    assert "no longer valid" in response.content.decode()


def test_withdrawing_is_a_post(portal, license):
    offer(license)
    assert portal.get(url(license, "transfer/withdraw/")).status_code == 405
    assert TransferOffer.objects.exists()


def test_anonymous_people_cannot_withdraw_an_offer(client, license):
    offer(license)
    path = url(license, "transfer/withdraw/")
    response = client.post(path)
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert TransferOffer.objects.exists()


def test_someone_else_cannot_withdraw_your_offer(portal):
    other = issue(customer=CustomerFactory())
    offer(other)
    assert portal.post(url(other, "transfer/withdraw/")).status_code == 404
    assert TransferOffer.objects.filter(license=other).exists()


def test_the_transfer_form_says_a_new_offer_replaces_the_pending_one(portal, license):
    offer(license, "first@example.org")
    page = portal.get(url(license, "transfer/")).content.decode()
    assert "first@example.org" in page and "A new offer replaces it" in page
    confirm = portal.post(url(license, "transfer/"), {"email": "second@example.org"})
    assert "A new offer replaces it" in confirm.content.decode()
    portal.post(
        url(license, "transfer/"), {"email": "second@example.org", "confirmed": "True"}
    )
    assert TransferOffer.objects.get().email == "second@example.org"


def test_without_a_pending_offer_the_transfer_form_says_nothing_of_one(portal, license):
    page = portal.get(url(license, "transfer/")).content.decode()
    assert "A new offer replaces it" not in page


# --- invoices ---------------------------------------------------------------


def test_each_invoice_has_a_printable_page(portal, license):
    invoice = license.invoices.get()
    page = portal.get(url(license, f"invoices/{invoice.pk}/"))
    assert page.status_code == 200
    assert invoice.number in page.content.decode()


def test_an_overdue_invoice_says_so_and_how_to_pay_it(portal, owner, rolling_plan):
    unpaid = issue(
        plan=rolling_plan,
        customer=owner,
        paid=False,
        purchased_on=timezone.localdate() - timedelta(days=30),
    )
    License.objects.filter(pk=unpaid.pk).update(
        status="suspended", suspended_for="payment"
    )
    invoice = unpaid.invoices.get()
    page = portal.get(url(unpaid, f"invoices/{invoice.pk}/")).content.decode()
    assert '<span class="badge badge-overdue">Overdue</span>' in page
    assert "Overdue: please pay now" in page
    assert "990.00 NOK" in page and invoice.number in page
    assert "blocked until this invoice is paid" in page


def test_a_paid_invoice_asks_for_nothing(portal, license):
    invoice = license.invoices.get()
    page = portal.get(url(license, f"invoices/{invoice.pk}/")).content.decode()
    assert '<span class="badge badge-paid">Paid</span>' in page
    assert "How to pay" not in page and "please pay" not in page
