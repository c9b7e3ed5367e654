"""Permanent transfer: new owner accepts, new key, old key TRANSFERRED, machines released."""

import pytest
from django.core import mail
from django.test import Client

from core.audit import Actor
from core.models import OutboxEmail
from licensing import keys, services
from licensing.errors import Refused
from licensing.models import License
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
