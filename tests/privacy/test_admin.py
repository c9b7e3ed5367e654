"""The DPO's console: cases with due dates, identity, extension and answer;
the records of processing; only for data protection officers."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts import roles
from core.audit import Actor
from licensing import selectors as licensing_selectors
from licensing.models import ProductRelease
from privacy import rules, services
from privacy.models import PrivacyCase
from tests.licensing.admin.conftest import role_user, staff_client

pytestmark = pytest.mark.django_db

CASES = "/admin/privacy/privacycase/"


@pytest.fixture
def dpo(db):
    return staff_client(role_user("dpo@vendor.example", roles.DPO))


def record(dpo, **overrides):
    data = {
        "kind": "access",
        "email": "vera@example.org",
        "received_on": timezone.localdate().isoformat(),
        "identity_method": "letter with signature",
        **overrides,
    }
    return dpo.post(f"{CASES}add/", data)


def act(dpo, action, case, **extra):
    return dpo.post(
        CASES, {"action": action, "_selected_action": [case.pk], **extra}, follow=True
    )


def test_only_the_dpo_opens_the_console(dpo, vendor, north):
    assert dpo.get(CASES).status_code == 200
    assert vendor.get(CASES).status_code == 403
    assert north.client.get(CASES).status_code == 403
    assert dpo.get(f"{CASES}records-of-processing/").status_code == 200
    assert vendor.get(f"{CASES}records-of-processing/").status_code == 403


def test_the_dpo_records_a_request_and_the_person_is_told(
    dpo, person, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = record(dpo)
    case = PrivacyCase.objects.get()
    assert response.status_code == 302
    assert case.customer == person.customer and case.status == "open"
    assert case.due_on == rules.request_due_date(case.received_on)
    told = [m for m in mailoutbox if case.reference in m.subject]
    assert [m.to for m in told] == [["vera@example.org"]]


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "gossip"},
        {"email": "not an address"},
        {"received_on": (date.today() + timedelta(days=3)).isoformat()},
    ],
)
def test_bad_input_records_nothing(dpo, overrides):
    response = record(dpo, **overrides)
    assert response.status_code == 400
    assert not PrivacyCase.objects.exists()


def test_awaiting_identity_pauses_the_clock_until_confirmed(
    dpo, person, mailoutbox, django_capture_on_commit_callbacks
):
    record(dpo, awaiting_identity="on", received_on="2026-11-02")
    case = PrivacyCase.objects.get()
    assert case.status == "awaiting_identity" and case.due_on is None
    page = dpo.get(CASES).content.decode()
    assert "waiting for identity" in page
    with django_capture_on_commit_callbacks(execute=True):
        act(dpo, "confirm_identity", case)
    case.refresh_from_db()
    assert case.status == "open"
    assert case.clock_started_on == timezone.localdate()
    assert case.due_on == rules.request_due_date(timezone.localdate())


def test_an_extension_needs_a_reason_and_stays_within_two_months(
    dpo, person, mailoutbox, django_capture_on_commit_callbacks
):
    record(dpo)
    case = PrivacyCase.objects.get()
    form = act(dpo, "extend", case)
    assert "Reason" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        act(
            dpo,
            "extend",
            case,
            apply="1",
            months="1",
            reason="Many records to collect.",
        )
    case.refresh_from_db()
    assert case.extension_months == 1
    assert case.due_on == rules.request_due_date(case.received_on, 1)
    told = next(m for m in mailoutbox if "Many records" in m.body)
    assert told.to == ["vera@example.org"]
    refused = act(dpo, "extend", case, apply="1", months="2", reason="More.")
    assert "two months at most" in refused.content.decode()
    case.refresh_from_db()
    assert case.extension_months == 1


def test_no_extension_after_the_first_month(dpo, person):
    record(dpo)
    case = PrivacyCase.objects.get()
    with (
        time_machine.travel(timezone.now() + timedelta(days=40), tick=False),
        pytest.raises(services.PrivacyRefused, match="within the first month"),
    ):
        services.case_extend(
            case_id=case.pk, months=1, reason="Late.", actor=Actor.system()
        )


def test_answered_cases_close_and_overdue_ones_stand_out(
    dpo, person, mailoutbox, django_capture_on_commit_callbacks
):
    record(dpo, received_on="2026-09-01")
    old = PrivacyCase.objects.get()
    page = dpo.get(CASES, {"due": "overdue"})
    assert [c.pk for c in page.context["cl"].result_list] == [old.pk]
    assert "admin-due-overdue" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        act(dpo, "answer", old)
    old.refresh_from_db()
    assert old.status == "done" and old.closed_at is not None
    change = dpo.get(f"{CASES}{old.pk}/change/").content.decode()
    assert "request_completed" in change  # the emails sent, listed


def test_the_records_of_processing_come_from_the_registry(dpo):
    page = dpo.get(f"{CASES}records-of-processing/").content.decode()
    assert "invoicing and bookkeeping" in page
    assert "licensing.Invoice" in page
    assert "legal obligation (Art. 6(1)(c))" in page


def test_the_dpo_answers_an_access_case_with_the_export(
    dpo, person, mailoutbox, django_capture_on_commit_callbacks
):
    record(dpo)
    case = PrivacyCase.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        act(dpo, "prepare_export", case)
    case.refresh_from_db()
    assert case.status == "done" and case.exports.get().status == "ready"
    assert any("/privacy/exports/" in m.body for m in mailoutbox)


def test_the_dpo_starts_an_erasure_for_an_erasure_case(
    dpo, person, mailoutbox, django_capture_on_commit_callbacks
):
    record(dpo, kind="erasure")
    case = PrivacyCase.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        act(dpo, "start_erasure", case)
    assert case.erasure.erase_after > timezone.now()
    person.user.refresh_from_db()
    assert not person.user.is_active
    assert any("/privacy/erase/cancel/" in m.body for m in mailoutbox)
    wrong = act(dpo, "prepare_export", case)
    assert "access or portability" in wrong.content.decode()
    again = act(dpo, "start_erasure", case)
    assert "has started already" in again.content.decode()


def test_vendor_staff_see_no_ones_privacy_emails_or_events(
    dpo, vendor, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(dpo)
    outbox = vendor.get("/admin/core/outboxemail/").context["cl"].result_list
    assert not [m for m in outbox if m.template.startswith("privacy/")]
    events = vendor.get("/admin/core/auditevent/").context["cl"].result_list
    assert not [e for e in events if e.action.startswith("privacy.")]
    assert any(
        m.template.startswith("privacy/")
        for m in dpo.get("/admin/core/outboxemail/").context["cl"].result_list
    )


def test_a_request_from_an_unknown_address_keeps_it_to_answer(
    dpo, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(dpo, email="stranger@example.org", details="Please correct my name.")
    case = PrivacyCase.objects.get()
    assert case.customer is None and case.contact == "stranger@example.org"
    assert case.details == "Please correct my name."
    assert [m.to for m in mailoutbox] == [["stranger@example.org"]]
    page = dpo.get(f"{CASES}{case.pk}/change/").content.decode()
    assert "Please correct my name." in page


def test_a_restricted_customer_gets_no_marketing_and_changes_only_by_the_dpo(
    dpo, vendor, person, django_capture_on_commit_callbacks
):
    record(dpo, kind="restriction")
    case = PrivacyCase.objects.get()
    act(dpo, "restrict", case)
    person.customer.refresh_from_db()
    assert person.customer.restricted
    release = ProductRelease(product=person.licenses[0].product, version="7.9")
    assert person.customer not in licensing_selectors.release_recipients(release)
    # The customer cannot change their profile; vendor staff cannot either.
    client = Client()
    client.force_login(person.user)
    response = client.post(
        "/profile/",
        {"name": "Someone Else", "language": "en"},
    )
    assert response.status_code == 409
    person.customer.refresh_from_db()
    assert person.customer.name == "Vera Lind"
    change = f"/admin/accounts/customer/{person.customer.pk}/change/"
    assert vendor.post(change, {"name": "X"}).status_code == 403
    act(dpo, "lift_restriction", case)
    person.customer.refresh_from_db()
    assert not person.customer.restricted


def test_a_refusal_needs_a_reason_and_tells_the_person(
    dpo, person, mailoutbox, django_capture_on_commit_callbacks
):
    record(dpo, kind="objection")
    case = PrivacyCase.objects.get()
    form = act(dpo, "refuse", case)
    assert (
        "right to complain" in form.content.decode()
        or "complain" in form.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        act(dpo, "refuse", case, apply="1", reason="The processing is required by law.")
    case.refresh_from_db()
    assert case.status == "refused" and case.closed_at is not None
    told = next(m for m in mailoutbox if "required by law" in m.body)
    assert "Datatilsynet" in told.body and told.to == ["vera@example.org"]
