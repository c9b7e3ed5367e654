"""Erasure end to end: asked for in the privacy center (re-authenticated, typed
confirmation), a grace period with the account disabled and a cancel link, then
the Celery task applies each field's strategy across all apps."""

import base64
import io
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Customer, User
from cookies.models import ConsentRecord
from core import datakeys, outbox
from core.audit import Actor
from core.fields import blind_index
from core.models import AuditEvent, DataKey, OutboxEmail
from licensing import services as licensing_services
from licensing.models import (
    Activation,
    Invoice,
    License,
    RegistrationRequest,
    TransferOffer,
)
from privacy import services
from privacy.models import DataExport, ErasureReceipt, ErasureRequest, PrivacyCase
from privacy.tasks import apply_due_erasures
from tests.browser.portal import PASSWORD
from tests.factories import CustomerFactory, issue
from tests.links import link_path
from tests.privacy.conftest import EMAIL, NAME
from tests.sessions import recently_reauthenticated

pytestmark = pytest.mark.django_db

CANCEL = r"/privacy/erase/cancel/[^/]+/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask_to_erase(person, mailoutbox, capture):
    client = signed_in(person.user)
    recently_reauthenticated(client, person.user)
    with capture(execute=True):
        response = client.post("/privacy/erase/", {"confirmation": "DELETE"})
    assert response.status_code == 200
    return client, response


def test_erasure_needs_the_typed_word_and_a_recent_password(person, mailoutbox):
    client = signed_in(person.user)
    page = client.get("/privacy/erase/")
    assert page.status_code == 200
    assert "can no longer recover a lost license key" in page.content.decode()
    # Without a recent sign-in: asked for the password first, nothing happens.
    response = client.post("/privacy/erase/", {"confirmation": "DELETE"})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    recently_reauthenticated(client, person.user)
    wrong = client.post("/privacy/erase/", {"confirmation": "delete please"})
    assert wrong.status_code == 400
    assert not ErasureRequest.objects.exists()
    assert User.objects.get(pk=person.user.pk).is_active


def test_the_account_is_disabled_at_once_and_the_erasure_can_be_cancelled(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    client, _response = ask_to_erase(
        person, mailoutbox, django_capture_on_commit_callbacks
    )
    assert "_auth_user_id" not in client.session
    assert not User.objects.get(pk=person.user.pk).is_active
    assert not Client().login(email=EMAIL, password=PASSWORD)
    email = next(
        m for m in mailoutbox if m.to == [EMAIL] and "/privacy/erase/cancel/" in m.body
    )
    path = link_path(email, CANCEL)
    assert Client().get(path).status_code == 200
    assert Client().post(path).status_code == 200
    assert User.objects.get(pk=person.user.pk).is_active
    assert Client().login(email=EMAIL, password=PASSWORD)
    assert PrivacyCase.objects.get().status == "cancelled"
    # Past the grace period nothing is erased: it was cancelled.
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        assert apply_due_erasures() == 0
    assert Customer.objects.filter(pk=person.customer.pk).exists()
    assert Client().post(path).status_code == 404


def test_after_the_grace_period_the_task_erases_the_person_everywhere(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    ask_to_erase(person, mailoutbox, django_capture_on_commit_callbacks)
    case = PrivacyCase.objects.get(kind="erasure")
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        assert apply_due_erasures() == 0  # still in the grace period
    later = timezone.now() + timedelta(days=7, minutes=1)
    mailoutbox.clear()
    with (
        time_machine.travel(later, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert apply_due_erasures() == 1

    # The person is gone: customer, account, addresses, TOTP, consents, sessions.
    assert not Customer.objects.filter(pk=person.customer.pk).exists()
    assert not User.objects.filter(pk=person.user.pk).exists()
    assert not EmailAddress.objects.filter(email__iexact=EMAIL).exists()
    assert not Authenticator.objects.filter(user_id=person.user.pk).exists()
    assert not ConsentRecord.objects.filter(user_id=person.user.pk).exists()
    assert not TransferOffer.objects.exists()
    for session in Session.objects.all():
        assert session.get_decoded().get("_auth_user_id") != str(person.user.pk)
    # Searching by the old address finds nothing anywhere.
    assert not Customer.objects.by_email(EMAIL).exists()
    assert not OutboxEmail.objects.filter(
        to_index=blind_index("outbox.to", EMAIL)
    ).exists()
    assert not User.objects.filter(email__iexact=EMAIL).exists()
    assert (
        not AuditEvent.objects.filter(
            target_type="accounts.customer", target_id=str(person.customer.pk)
        )
        .exclude(target_id="")
        .exists()
    )

    # Licenses keep working on their machines, unregistered, their labels blank.
    for license in License.objects.filter(pk__in=[lic.pk for lic in person.licenses]):
        assert license.customer_id is None and license.status == "active"
        assert license.activations.count() == 1
    assert set(Activation.objects.values_list("label", flat=True)) == {""}
    # Invoices keep what bookkeeping requires, until their purge date.
    for invoice in Invoice.objects.all():
        assert NAME in invoice.billed_to and "Storgata 1" in invoice.billed_to
        assert invoice.purge_on.year == invoice.issued_on.year + 5

    # The receipt: a pseudonym and counts, none of the data.
    receipt = ErasureReceipt.objects.get()
    assert (
        receipt.case == case and case.__class__.objects.get(pk=case.pk).status == "done"
    )
    assert receipt.pseudonym == blind_index(Customer.EMAIL_INDEX, EMAIL)
    # The person's data key went first: whatever a backup holds of them is unreadable.
    key = DataKey.objects.get(pk=person.customer.data_key)
    assert key.wrapped == "" and key.destroyed_at == receipt.key_destroyed_at
    assert receipt.key_destroyed_at <= receipt.done_at
    assert receipt.counts["accounts.Customer"] == 1
    assert receipt.counts["licensing.License"] == 2
    assert receipt.counts["licensing.Activation"] == 2
    assert EMAIL not in str(ErasureReceipt.objects.values().get())
    # The case no longer points at anyone.
    case.refresh_from_db()
    assert case.customer_id is None and case.user_id is None

    # The person is told; the partner who sold a license and looked is told, without the data.
    assert any(m.to == [EMAIL] for m in mailoutbox)
    notice = next(m for m in mailoutbox if m.to == ["staff@north.example"])
    assert case.reference in notice.body
    assert EMAIL not in notice.body and NAME not in notice.body


def test_the_dpo_erases_at_once_with_a_command_and_replays_after_a_restore(person):
    out = io.StringIO()
    call_command("privacy_erase", email=EMAIL, now=True, stdout=out)
    assert "erased" in out.getvalue()
    assert not Customer.objects.by_email(EMAIL).exists()
    # A restored backup brings the person back: the replay erases them again.
    restored = Customer.objects.create(email=EMAIL, name=NAME, language="en")
    out = io.StringIO()
    call_command(
        "privacy_replay_erasures", since=timezone.localdate().isoformat(), stdout=out
    )
    assert "Erasures applied again: 1." in out.getvalue()
    assert not Customer.objects.filter(pk=restored.pk).exists()
    # Someone who comes back after the backup's date, of their own accord, stays.
    back = Customer.objects.create(email=EMAIL, name=NAME, language="en")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    call_command("privacy_replay_erasures", since=tomorrow, stdout=io.StringIO())
    assert Customer.objects.filter(pk=back.pk).exists()
    with pytest.raises(CommandError, match="Not a date"):
        call_command("privacy_replay_erasures", since="yesterday")


def test_a_command_for_an_unknown_address_explains(db):
    with pytest.raises(CommandError, match="No customer or account"):
        call_command("privacy_erase", email="nobody@example.org")


def test_asking_twice_keeps_one_request(person):
    first = services.erasure_request(user=person.user)
    assert services.erasure_request(customer=person.customer) == first
    assert ErasureRequest.objects.count() == 1


def test_offers_and_registrations_sent_to_the_person_go_too(person, plan):

    other = issue(plan=plan, customer=CustomerFactory(email="ola@example.org"))
    licensing_services.transfer_offer(
        license_id=other.pk, to_email=EMAIL.upper(), actor=Actor.system()
    )
    unregistered = issue(plan=plan)
    licensing_services.registration_request(
        canonical_key=unregistered.key, email=EMAIL, name=NAME
    )
    call_command("privacy_erase", email=EMAIL, now=True)
    assert not TransferOffer.objects.exists()
    assert not RegistrationRequest.objects.exists()


def test_an_address_the_account_added_leaves_no_email_behind(person):
    EmailAddress.objects.create(user=person.user, email="vera.new@example.org")
    outbox.enqueue(
        key="x",
        to="vera.new@example.org",
        template="privacy/email/erasure_done",
        context={"reference": "R"},
        language="en",
    )
    call_command("privacy_erase", email=EMAIL, now=True)
    index = blind_index("outbox.to", "vera.new@example.org")
    assert not OutboxEmail.objects.filter(to_index=index).exists()


def test_the_admin_log_forgets_the_person_but_keeps_the_staff_acts(person, admin_user):
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(person.user.pk),
        object_repr=EMAIL,
        action_flag=CHANGE,
        change_message="Changed email.",
    )
    kept = LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(License),
        object_id=str(person.licenses[0].pk),
        object_repr="Desktop •••••-X",
        action_flag=CHANGE,
        change_message="Suspended.",
    )
    call_command("privacy_erase", email=EMAIL, now=True)
    assert not LogEntry.objects.filter(object_repr__icontains=EMAIL).exists()
    assert LogEntry.objects.get(pk=kept.pk).object_repr == "Desktop •••••-X"


def test_an_erasure_whose_person_is_gone_is_closed_and_holds_up_no_one(person, plan):
    gone = services.erasure_request(customer=CustomerFactory(email="gone@example.org"))
    Customer.objects.filter(pk=gone.customer_id).delete()
    services.erasure_request(user=person.user)
    later = timezone.now() + timedelta(days=8)
    with time_machine.travel(later, tick=False):
        assert apply_due_erasures() == 1
    gone.refresh_from_db()
    assert gone.done_at is not None
    assert not Customer.objects.by_email(EMAIL).exists()


def test_a_staff_account_is_not_erased_from_the_privacy_page(admin_user):
    client = Client()
    recently_reauthenticated(client, admin_user)
    response = client.post("/privacy/erase/", {"confirmation": "DELETE"})
    assert response.status_code == 403
    assert "data protection officer" in response.content.decode()
    assert not ErasureRequest.objects.exists()
    assert User.objects.get(pk=admin_user.pk).is_active


def test_an_account_less_persons_export_goes_with_them(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    alone = CustomerFactory(email="alone@example.org")
    case = services.case_open(kind="access", source="dpo", customer=alone)
    export = services.case_export(case_id=case.pk, actor=Actor.system())
    assert export.user_id is None
    call_command("privacy_erase", email="alone@example.org", now=True)
    assert not DataExport.objects.filter(pk=export.pk).exists()


def test_an_erasure_once_begun_can_no_longer_be_cancelled(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    """Its first step commits before the data key is destroyed: from then on the
    cancel link would promise what can no longer be kept."""
    ask_to_erase(person, mailoutbox, django_capture_on_commit_callbacks)
    email = next(
        m for m in mailoutbox if m.to == [EMAIL] and "/privacy/erase/cancel/" in m.body
    )
    ErasureRequest.objects.update(started_at=timezone.now())
    assert Client().post(link_path(email, CANCEL)).status_code == 404
    assert ErasureRequest.objects.get().cancelled_at is None


def test_what_was_sent_to_a_customer_without_an_account_goes_with_them(
    django_capture_on_commit_callbacks,
):
    """Step 3 finds the rows sent to the person's address although their key,
    destroyed in step 2, no longer opens it: it works with the person as read
    before."""
    alone = CustomerFactory(email="alone@example.org")
    sent = outbox.enqueue(
        key="to-alone",
        to="alone@example.org",
        template="licensing/email/product_news",
        context={},
        language="en",
    )
    call_command("privacy_erase", email="alone@example.org", now=True)
    assert not Customer.objects.filter(pk=alone.pk).exists()
    assert not OutboxEmail.objects.filter(pk=sent.pk).exists()
    assert DataKey.objects.get(pk=sent.data_key).destroyed_at is not None


def test_an_export_whose_key_is_destroyed_is_not_found(db):
    alone = CustomerFactory(email="alone@example.org")
    case = services.case_open(kind="access", source="dpo", customer=alone)
    export = services.case_export(case_id=case.pk, actor=Actor.system())
    token = "t" * 40
    export.token_hash = services.token_hash(token)
    export.status = DataExport.Status.READY
    export.ready_at = timezone.now()
    export.expires_at = timezone.now() + timedelta(days=7)
    export.archive = base64.b64encode(b"PK zip").decode()
    export.save()
    path = f"/privacy/exports/{token}/"
    assert Client().get(path).content == b"PK zip"
    datakeys.destroy(export.data_key)
    datakeys.forget()
    assert Client().get(path).status_code == 404
