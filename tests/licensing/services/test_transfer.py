"""Permanent transfer: new owner accepts, new key, old key TRANSFERRED, machines released."""

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Customer
from core.audit import Actor
from core.models import AuditEvent, OutboxEmail
from licensing import keys, services
from licensing.errors import Code, Refused
from licensing.models import License, TransferOffer
from tests.factories import CustomerFactory, PlanFactory, issue
from tests.links import link_path

pytestmark = pytest.mark.django_db(transaction=True)


def accept_path(message) -> str:
    return link_path(message, r"/transfer/accept/[^/]+/")


def sent_to(address):
    """The last email to `address` (the owner hears of an offer too)."""
    return [m for m in mail.outbox if m.to == [address]][-1]


def test_a_transfer_from_offer_to_new_key(api):
    old_owner = CustomerFactory(email="old.owner@example.org")
    license = issue(plan=PlanFactory(seats=2), customer=old_owner)
    api.activate(license.key, "old-pc")
    services.transfer_offer(
        license_id=license.pk, to_email="new.owner@example.org", actor=Actor.system()
    )
    offer_mail = sent_to("new.owner@example.org")

    client = Client()
    page = client.get(accept_path(offer_mail))
    assert page.status_code == 200
    refused = client.post(
        accept_path(offer_mail), {"name": "New Owner", "kind": "business"}
    )
    assert refused.status_code == 400  # the agreement was not accepted
    assert License.objects.get(pk=license.pk).status == "active"

    done = client.post(
        accept_path(offer_mail),
        {"name": "New Owner", "kind": "business", "accept": "yes"},
    )
    assert done.status_code == 200
    old = License.objects.get(pk=license.pk)
    new = old.replaced_by
    assert old.status == "transferred" and not old.activations.exists()
    assert (new.customer.email, new.customer.name, new.customer.kind) == (
        "new.owner@example.org",
        "New Owner",
        "business",
    )
    assert (new.period_end, new.seats) == (old.period_end, old.seats)
    assert new.key != old.key
    # The old key stops working; the new one works.
    assert api.validate(old.key).body["code"] == "TRANSFERRED"
    assert api.validate(new.key).body["code"] == "VALID"
    # Only the new owner receives the new key.
    to_new = next(
        m
        for m in mail.outbox
        if m.to == ["new.owner@example.org"] and "complete" in m.subject
    )
    to_old = next(
        m
        for m in mail.outbox
        if m.to == ["old.owner@example.org"] and "complete" in m.subject
    )
    assert keys.display(new.key) in to_new.body
    assert keys.display(new.key) not in to_old.body
    assert client.get(accept_path(offer_mail)).status_code == 404  # used up


def test_no_transfer_with_an_open_invoice():
    license = issue(plan=PlanFactory(), customer=CustomerFactory(), paid=False)
    with pytest.raises(Refused):
        services.transfer_offer(
            license_id=license.pk, to_email="x@example.org", actor=Actor.system()
        )


def test_an_invoice_opened_after_the_offer_blocks_the_acceptance():
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    services.transfer_offer(
        license_id=license.pk, to_email="x@example.org", actor=Actor.system()
    )
    token = accept_path(sent_to("x@example.org")).split("/")[-2]
    license.invoices.update(status="open")
    with pytest.raises(Refused):
        services.transfer_accept(
            token=token,
            name="",
            kind="consumer",
            agreement_accepted=True,
            agreement=None,
        )
    assert License.objects.get(pk=license.pk).status == "active"


def offer_and_accept(license, to_email, *, language="en"):
    services.transfer_offer(
        license_id=license.pk, to_email=to_email, actor=Actor.system()
    )
    token = accept_path(sent_to(to_email)).split("/")[-2]
    return services.transfer_accept(
        token=token,
        name="",
        kind="consumer",
        agreement_accepted=True,
        agreement=None,
        language=language,
    )


def test_a_license_transferred_twice_tells_every_previous_owner():
    first = issue(plan=PlanFactory(), customer=CustomerFactory(email="a@example.org"))
    second = offer_and_accept(first, "b@example.org")
    offer_and_accept(second, "c@example.org")
    completed = [
        row.to
        for row in OutboxEmail.objects.filter(
            template="licensing/email/transfer_completed"
        ).order_by("id")
    ]
    # a: lost the license; b: got it, then lost it; c: got it.
    assert completed == [
        "b@example.org",
        "a@example.org",
        "c@example.org",
        "b@example.org",
    ]


def test_the_new_owner_keeps_the_language_the_page_was_read_in():
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    new = offer_and_accept(license, "ny@example.org", language="nb")
    assert new.customer.language == "nb"


def test_an_offer_for_a_license_that_has_ended_is_no_longer_valid():
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    services.transfer_offer(
        license_id=license.pk, to_email="late@example.org", actor=Actor.system()
    )
    path = accept_path(sent_to("late@example.org"))
    services.license_terminate(
        license_id=license.pk, day=license.purchased_on, actor=Actor.system()
    )
    page = Client().get(path)
    assert page.status_code == 404
    assert "This link is not valid" in page.content.decode()


def test_no_transfer_while_a_machine_works_offline(api):
    license = issue(plan=PlanFactory(seats=1), customer=CustomerFactory())
    api.activate(license.key, "laptop")
    api.post("licenses/checkout", {"key": license.key, "fingerprint": "laptop"})
    with pytest.raises(Refused) as refused:
        services.transfer_offer(
            license_id=license.pk, to_email="b@example.org", actor=Actor.system()
        )
    assert refused.value.code == "MACHINE_CHECKED_OUT"
    assert "seat_frees_at" in refused.value.extra


def test_no_transfer_of_a_license_the_vendor_suspended():
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    services.license_suspend(license_id=license.pk, actor=Actor.system())
    with pytest.raises(Refused) as refused:
        services.transfer_offer(
            license_id=license.pk, to_email="b@example.org", actor=Actor.system()
        )
    assert refused.value.code == "NOT_TRANSFERABLE"


def test_the_new_license_keeps_the_notice_and_the_install_history(api):
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    api.activate(license.key, "pc")
    services.termination_notice_receive(
        license_id=license.pk, received_on=license.purchased_on, actor=Actor.system()
    )
    old = License.objects.get(pk=license.pk)
    new = offer_and_accept(old, "b@example.org")
    assert new.termination_effective_on == old.termination_effective_on
    assert new.termination_received_on == old.termination_received_on
    assert new.first_activated_at == old.first_activated_at is not None


# --- consumer or business, minimum age -----------------------------------------


def offer_token(license, to_email):
    services.transfer_offer(
        license_id=license.pk, to_email=to_email, actor=Actor.system()
    )
    return accept_path(sent_to(to_email)).split("/")[-2]


def accept(token, **fields):
    answer = {
        "name": "",
        "kind": "consumer",
        "agreement_accepted": True,
        "agreement": None,
    }
    answer.update(fields)
    return services.transfer_accept(token=token, **answer)


def test_the_new_license_is_registered_as_the_new_owner_answers():
    old_owner = CustomerFactory(kind="consumer")
    license = issue(plan=PlanFactory(), customer=old_owner)
    known = CustomerFactory(email="firm@example.org", kind="business")
    new = accept(offer_token(license, "firm@example.org"), kind="consumer")
    assert new.customer == known
    assert new.customer_kind == Customer.Kind.CONSUMER
    known.refresh_from_db()
    assert known.kind == Customer.Kind.BUSINESS  # an existing customer keeps theirs
    assert License.objects.get(pk=license.pk).customer_kind == "consumer"


@pytest.mark.parametrize(
    ("age_confirmed", "code"),
    [(None, Code.AGE_NOT_CONFIRMED), (False, Code.UNDER_MINIMUM_AGE)],
)
def test_a_new_owner_not_of_the_plans_minimum_age_is_refused_and_nothing_stored(
    age_confirmed, code
):
    plan = PlanFactory(slug="backup-annual", minimum_age=18)
    license = issue(plan=plan, customer=CustomerFactory())
    token = offer_token(license, "young@example.org")
    with pytest.raises(Refused) as refused:
        accept(token, name="Young", age_confirmed=age_confirmed)
    assert refused.value.code == code
    assert refused.value.extra == {"minimum_age": 18}
    assert not Customer.objects.by_email("young@example.org").exists()
    assert License.objects.get(pk=license.pk).status == "active"
    assert License.objects.count() == 1
    assert TransferOffer.objects.filter(license=license).exists()


def test_a_new_owner_of_the_plans_minimum_age_receives_the_license():
    plan = PlanFactory(slug="backup-annual", minimum_age=18)
    license = issue(plan=plan, customer=CustomerFactory())
    new = accept(offer_token(license, "adult@example.org"), age_confirmed=True)
    assert new.customer.email == "adult@example.org"
    assert License.objects.get(pk=license.pk).status == "transferred"


# --- the owner's own address ---------------------------------------------------


@pytest.mark.parametrize("spelled", ["owner@example.org", " Owner@EXAMPLE.org "])
def test_a_transfer_to_the_owners_own_address_is_refused(spelled):
    license = issue(
        plan=PlanFactory(), customer=CustomerFactory(email="owner@example.org")
    )
    with pytest.raises(Refused) as refused:
        services.transfer_offer(
            license_id=license.pk, to_email=spelled, actor=Actor.system()
        )
    assert refused.value.code == Code.TRANSFER_TO_OWNER
    assert "already registered to that address" in refused.value.detail
    assert not TransferOffer.objects.exists()
    assert not OutboxEmail.objects.filter(
        template__startswith="licensing/email/transfer"
    ).exists()


# --- withdrawing the offer ------------------------------------------------------


def test_a_withdrawn_offer_is_gone_and_its_link_says_so():
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    services.transfer_offer(
        license_id=license.pk, to_email="buyer@example.org", actor=Actor.system()
    )
    path = accept_path(sent_to("buyer@example.org"))
    services.transfer_withdraw(license_id=license.pk, actor=Actor.system())
    assert not TransferOffer.objects.exists()
    event = AuditEvent.objects.get(action="license.transfer_withdrawn")
    assert (event.target_id, event.data) == (str(license.pk), {})
    page = Client().get(path)
    assert page.status_code == 404
    assert "This link is not valid" in page.content.decode()
    with pytest.raises(Refused) as refused:
        accept(path.split("/")[-2])
    assert refused.value.code == Code.OFFER_INVALID
    assert License.objects.get(pk=license.pk).status == "active"


def test_withdrawing_when_no_offer_waits_is_refused():
    license = issue(plan=PlanFactory(), customer=CustomerFactory())
    with pytest.raises(Refused) as refused:
        services.transfer_withdraw(license_id=license.pk, actor=Actor.system())
    assert refused.value.code == Code.OFFER_INVALID
    assert not AuditEvent.objects.filter(action="license.transfer_withdrawn").exists()
