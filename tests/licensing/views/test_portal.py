"""The portal's license pages: dashboard, claim, recovery, one license."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Customer
from core.audit import Actor
from core.models import AuditEvent, OutboxEmail
from licensing import keys, services
from licensing.models import Activation, License
from tests.factories import CustomerFactory, PlanFactory, UserFactory, issue

pytestmark = pytest.mark.django_db


def with_machines(license, n):
    now = timezone.now()
    Activation.objects.bulk_create(
        Activation(
            license=license,
            fingerprint_hash=f"{license.pk}-{i}",
            label=f"PC {i}",
            activated_at=now,
            last_heartbeat_at=now,
        )
        for i in range(n)
    )


# --- permissions ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/licenses/", "/licenses/claim/"])
def test_anonymous_people_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_someone_elses_license_is_not_found(portal):
    other = issue(customer=CustomerFactory())
    assert portal.get(f"/licenses/{other.pk}/").status_code == 404


def test_a_login_without_customer_record_is_told_why(client):
    client.force_login(UserFactory())
    response = client.get("/licenses/")
    assert response.status_code == 403
    assert "not linked to a customer record" in response.content.decode()


# --- dashboard --------------------------------------------------------------


def test_the_dashboard_without_licenses_says_how_to_add_one(portal):
    page = portal.get("/licenses/").content.decode()
    assert "No licenses yet" in page
    assert "/licenses/claim/" in page


def test_the_dashboard_shows_each_license_with_its_dates(portal, owner):
    plan = PlanFactory(seats=3)
    license = issue(plan=plan, customer=owner, seats=3)
    with_machines(license, 2)
    page = portal.get("/licenses/").content.decode()
    assert "Desktop 7" in page
    assert "2 of 3" in page
    assert license.status_label in page
    assert "Nothing open" in page


def dashboard_queries(portal) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert portal.get("/licenses/").status_code == 200
    return len(queries)


def test_the_dashboard_query_count_does_not_grow_with_licenses(portal, owner):
    plan = PlanFactory(seats=5)
    with_machines(issue(plan=plan, customer=owner, seats=5, paid=False), 3)
    portal.get("/licenses/")  # what the site caches on a first request is not counted
    one = dashboard_queries(portal)
    for n in range(19):
        # Overdue invoices and payment blocks among them cost no query per license.
        license = issue(
            plan=plan,
            customer=owner,
            seats=5,
            paid=n % 2 == 0,
            purchased_on=timezone.localdate() - timedelta(days=30),
        )
        with_machines(license, 3)
        if n % 3 == 0:
            License.objects.filter(pk=license.pk).update(
                status="suspended", suspended_for="payment"
            )
    assert dashboard_queries(portal) == one


def unpaid(owner, plan, *, days_ago, blocked=False):
    """A license whose first invoice, dated `days_ago`, is still open."""
    license = issue(
        plan=plan,
        customer=owner,
        paid=False,
        purchased_on=timezone.localdate() - timedelta(days=days_ago),
    )
    if blocked:
        License.objects.filter(pk=license.pk).update(
            status="suspended", suspended_for="payment"
        )
    return license


def test_an_open_invoice_not_yet_due_is_open(portal, owner, rolling_plan):
    unpaid(owner, rolling_plan, days_ago=15)  # due today
    page = portal.get("/licenses/").content.decode()
    assert "1 open" in page and "overdue" not in page


def test_an_open_invoice_past_its_due_date_is_overdue(portal, owner, rolling_plan):
    unpaid(owner, rolling_plan, days_ago=16)  # due yesterday
    page = portal.get("/licenses/").content.decode()
    assert '<span class="badge badge-overdue">1 overdue</span>' in page
    assert "1 open" not in page
    assert "blocked until" not in page  # overdue, not yet blocked


def test_a_license_blocked_for_payment_is_named_with_the_invoice_to_pay(
    portal, owner, rolling_plan
):
    license = unpaid(owner, rolling_plan, days_ago=30, blocked=True)
    invoice = license.invoices.get()
    page = portal.get("/licenses/").content.decode()
    assert "Desktop 7 is blocked until the overdue invoice is paid" in page
    due = date_format(invoice.due_on, "DATE_FORMAT")
    assert f"Invoice {invoice.number}: 990.00 NOK, due on {due}." in page
    assert f'href="/licenses/{license.pk}/invoices/{invoice.pk}/"' in page


def test_a_license_suspended_by_the_vendor_has_no_payment_banner(
    portal, owner, rolling_plan
):
    license = issue(plan=rolling_plan, customer=owner)
    License.objects.filter(pk=license.pk).update(
        status="suspended", suspended_for="vendor"
    )
    assert "blocked until" not in portal.get("/licenses/").content.decode()
    page = portal.get(f"/licenses/{license.pk}/").content.decode()
    assert "blocked until" not in page


# --- claim ------------------------------------------------------------------


def claim(portal, agreement, key, **fields):
    data = {
        "key": keys.display(key),
        "kind": "consumer",
        "agreement": agreement.pk,
        "accept": "yes",
    }
    data.update(fields)
    return portal.post("/licenses/claim/", data)


def test_claim_shows_the_agreement_in_force_and_update_emails_unticked(
    portal, agreement
):
    response = portal.get("/licenses/claim/")
    page = response.content.decode()
    assert "License key" in page
    assert "version 2.0" in page
    assert not response.context["form"]["updates_opt_in"].value()


def test_claiming_registers_the_license_with_the_agreement(portal, owner, agreement):
    license = issue()
    response = claim(portal, agreement, license.key, kind="business")
    assert response.status_code == 302
    license.refresh_from_db()
    owner.refresh_from_db()
    assert license.customer == owner
    assert license.agreement_version == agreement
    assert owner.kind == Customer.Kind.BUSINESS
    assert not owner.updates_opt_in
    assert AuditEvent.objects.filter(
        action="agreement.accepted", target_id=str(license.pk)
    ).exists()


def test_the_update_consent_is_recorded_with_when_and_where(portal, owner, agreement):
    license = issue()
    claim(portal, agreement, license.key, updates_opt_in="yes")
    owner.refresh_from_db()
    assert owner.updates_opt_in
    assert owner.updates_opt_in_source == "portal-claim"
    assert owner.updates_opt_in_at is not None


def test_a_mistyped_key_is_caught_by_its_check_character(portal, agreement):
    key = issue().key
    wrong = key[:-1] + ("0" if key[-1] != "0" else "1")
    response = claim(portal, agreement, wrong)
    assert response.status_code == 400
    assert "check character" in response.content.decode()


@pytest.mark.parametrize("text", ["", "ABC", "UUUUU-UUUUU-UUUUU-UUUUU-UUUUU"])
def test_a_malformed_key_is_an_error_and_nothing_is_stored(portal, agreement, text):
    response = portal.post(
        "/licenses/claim/",
        {"key": text, "kind": "consumer", "agreement": agreement.pk, "accept": "yes"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["key"]


def test_an_unknown_key_is_refused(portal, agreement):
    response = claim(portal, agreement, keys.generate())
    assert response.status_code == 400
    assert "No such license key" in response.content.decode()


def test_the_agreement_must_be_accepted(portal, owner, agreement):
    license = issue()
    response = claim(portal, agreement, license.key, accept="")
    assert response.status_code == 400
    assert "must be accepted" in response.content.decode()
    license.refresh_from_db()
    assert license.customer is None


def test_a_key_registered_to_someone_else_is_refused_without_saying_who(
    portal, agreement
):
    other = CustomerFactory(email="someone.else@example.org", name="Other Person")
    license = issue(customer=other)
    response = claim(portal, agreement, license.key)
    page = response.content.decode()
    assert response.status_code == 400
    assert "registered already" in page
    assert "someone.else" not in page and "Other Person" not in page
    license.refresh_from_db()
    assert license.customer == other


def test_a_plan_with_a_minimum_age_asks_for_it(portal, agreement):
    license = issue(plan=PlanFactory(slug="backup-annual", minimum_age=18))
    response = claim(portal, agreement, license.key)
    assert response.status_code == 200
    assert "18 years or older" in response.content.decode()
    license.refresh_from_db()
    assert license.customer is None


def test_someone_younger_than_the_minimum_age_is_refused_and_nothing_stored(
    portal, owner, agreement
):
    license = issue(plan=PlanFactory(slug="backup-annual", minimum_age=18))
    response = claim(portal, agreement, license.key, adult="no", updates_opt_in="yes")
    assert response.status_code == 400
    assert "minimum age" in response.content.decode()
    license.refresh_from_db()
    owner.refresh_from_db()
    assert license.customer is None
    assert not owner.updates_opt_in


def test_someone_of_age_registers_the_plan(portal, owner, agreement):
    license = issue(plan=PlanFactory(slug="backup-annual", minimum_age=18))
    assert claim(portal, agreement, license.key, adult="yes").status_code == 302
    license.refresh_from_db()
    assert license.customer == owner


def test_an_agreement_published_meanwhile_must_be_read_first(portal, agreement):
    license = issue()
    stale = agreement
    newer = type(agreement).objects.create(number="3.0", published_at=timezone.now())
    response = claim(portal, stale, license.key)
    assert response.status_code == 400
    assert response.context["agreement"] == newer
    license.refresh_from_db()
    assert license.customer is None


# --- recovery ---------------------------------------------------------------


def without_csrf(response) -> str:
    """The page without its CSRF token (masked afresh in every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.text)


def recover(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/licenses/recover/", {"email": email})


def test_recovery_answers_the_same_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    customer = CustomerFactory(email="known@example.org")
    license = issue(customer=customer)
    known = recover(client, "known@example.org", django_capture_on_commit_callbacks)
    unknown = recover(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known) == without_csrf(unknown)
    emails = OutboxEmail.objects.filter(template="accounts/email/license_recovery")
    assert emails.count() == 1
    assert [m.to for m in mailoutbox] == [["known@example.org"]]
    assert license.display_key in mailoutbox[0].body


def test_the_recovery_task_gets_no_address(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "core.jobs.task_send", lambda name, *args: sent.append((name, args))
    )
    recover(client, "known@example.org", django_capture_on_commit_callbacks)
    assert sent[0][0] == "licensing.tasks.send_recovery"
    assert all("@" not in str(arg) for arg in sent[0][1])


def test_recovery_is_rate_limited_per_address(
    client, django_capture_on_commit_callbacks
):
    for _ in range(3):
        recover(client, "a@example.org", django_capture_on_commit_callbacks)
    response = recover(client, "A@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert "Retry-After" in response


def test_recovery_is_rate_limited_per_client(
    client, django_capture_on_commit_callbacks
):
    for n in range(20):
        recover(client, f"p{n}@example.org", django_capture_on_commit_callbacks)
    response = recover(client, "q@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 429


def test_recovery_refuses_a_malformed_address(client):
    response = client.post("/licenses/recover/", {"email": "not an address"})
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_the_recovery_address_is_hidden_from_error_reports(client):
    response = client.post("/licenses/recover/", {"email": "x@example.org"})
    assert response.wsgi_request.sensitive_post_parameters == ("email",)


# --- the license page -------------------------------------------------------


def test_the_key_is_masked_until_asked_for(portal, owner):
    license = issue(customer=owner)
    page = portal.get(f"/licenses/{license.pk}/").content.decode()
    assert license.display_key not in page
    assert keys.masked(license.key) in page
    page = portal.get(f"/licenses/{license.pk}/?reveal=1").content.decode()
    assert license.display_key in page


def test_the_license_page_of_a_blocked_license_says_which_invoice_to_pay(
    portal, owner, rolling_plan
):
    license = unpaid(owner, rolling_plan, days_ago=30, blocked=True)
    invoice = license.invoices.get()
    page = portal.get(f"/licenses/{license.pk}/").content.decode()
    assert "Desktop 7 is blocked until the overdue invoice is paid" in page
    assert f"Invoice {invoice.number}: 990.00 NOK" in page
    assert f'href="/licenses/{license.pk}/invoices/{invoice.pk}/"' in page
    assert '<span class="badge badge-overdue">Overdue</span>' in page
    assert ">Open<" not in page


def test_the_license_page_lists_machines_and_offline_files(portal, owner):
    license = issue(plan=PlanFactory(seats=2), customer=owner, seats=2)
    with_machines(license, 2)
    until = timezone.now() + timedelta(days=3)
    first = license.activations.order_by("activated_at", "pk").first()
    Activation.objects.filter(pk=first.pk).update(checked_out_until=until)
    page = portal.get(f"/licenses/{license.pk}/").content.decode()
    assert "PC 0" in page and "PC 1" in page
    assert page.count("Offline file valid until") == 1


def test_an_ended_license_offers_no_endings(portal, owner):
    license = issue(customer=owner)
    services.license_cancel(
        license_id=license.pk, day=timezone.localdate(), actor=Actor.system()
    )
    assert License.objects.get(pk=license.pk).status == License.Status.CANCELLED
    page = portal.get(f"/licenses/{license.pk}/").content.decode()
    assert "/terminate/" not in page and "/withdraw/" not in page


def test_the_claim_form_offers_the_last_answer_and_each_license_shows_its_own(
    portal, owner, agreement
):
    first, second = issue(), issue()
    assert portal.get("/licenses/claim/").context["form"]["kind"].value() == (
        "consumer"
    )
    claim(portal, agreement, first.key, kind="business")
    assert portal.get("/licenses/claim/").context["form"]["kind"].value() == (
        "business"
    )
    claim(portal, agreement, second.key, kind="consumer")
    first_page = portal.get(f"/licenses/{first.pk}/").content.decode()
    second_page = portal.get(f"/licenses/{second.pk}/").content.decode()
    assert "Registered as" in first_page and "Business" in first_page
    assert "Consumer (a private person)" in second_page
    # Only the license registered by a consumer offers the cooling-off withdrawal.
    assert f"/licenses/{first.pk}/withdraw/" not in first_page
    assert f"/licenses/{second.pk}/withdraw/" in second_page


def test_the_license_pages_are_not_cached(portal, owner):
    license = issue(customer=owner)
    for path in ("/licenses/", f"/licenses/{license.pk}/?reveal=1"):
        response = portal.get(path)
        assert "no-store" in response["Cache-Control"], path


def test_the_license_page_says_notice_was_given_and_offers_no_second_notice(
    portal, owner
):
    license = issue(customer=owner)
    services.termination_notice_receive(
        license_id=license.pk, received_on=license.purchased_on, actor=Actor.system()
    )
    page = portal.get(f"/licenses/{license.pk}/").content.decode()
    assert "Given on" in page
    assert f"/licenses/{license.pk}/terminate/" not in page


def test_a_fixed_term_offers_no_notice_and_a_held_machine_no_release(portal, owner):
    plan = PlanFactory(renewal="fixed")
    license = issue(plan=plan, customer=owner)
    machine, _ = services.activation_create(
        canonical_key=keys.normalise(license.key), fingerprint="offline-pc"
    )
    Activation.objects.filter(pk=machine.pk).update(
        checked_out_until=timezone.now() + timedelta(days=5)
    )
    page = portal.get(f"/licenses/{license.pk}/").content.decode()
    assert f"/licenses/{license.pk}/terminate/" not in page
    assert f"/machines/{machine.pk}/release/" not in page
    assert "Keeps its seat until its offline file expires" in page
