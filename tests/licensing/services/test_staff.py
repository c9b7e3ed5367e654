"""Staff suspension and the payment block: each is lifted its own way, and every block is told."""

from datetime import date, timedelta

import pytest
import time_machine

from core.audit import Actor
from licensing import services
from licensing.errors import Code, Refused
from licensing.models import License
from licensing.sweep import sweep_day
from tests.factories import CustomerFactory, PlanFactory, issue
from tests.licensing.helpers import refreshed
from tests.outbox import queued_templates

pytestmark = pytest.mark.django_db

STAFF = Actor.system()
PURCHASED = date(2026, 1, 5)


@pytest.fixture
def unpaid():
    """A registered license whose first invoice is unpaid (due 15 days after purchase)."""
    return issue(
        plan=PlanFactory(),
        customer=CustomerFactory(),
        paid=False,
        purchased_on=PURCHASED,
    )


def block(license) -> date:
    """Let the sweep send the default notice and, a week later, block; the block day."""
    invoice = license.invoices.get()
    notice_day = invoice.due_on + timedelta(days=1)
    block_day = notice_day + timedelta(days=7)
    for day in (notice_day, block_day):
        with time_machine.travel(day, tick=False):
            sweep_day(day)
    assert refreshed(license).suspended_for == License.SuspendedFor.PAYMENT
    return block_day


def test_payment_does_not_lift_a_suspension_by_the_vendor(unpaid):
    services.license_suspend(license_id=unpaid.pk, actor=STAFF)
    services.invoice_record_payment(invoice_id=unpaid.invoices.get().pk, actor=STAFF)
    license = refreshed(unpaid)
    assert (license.status, license.suspended_for) == ("suspended", "vendor")
    assert license.status_label == "Suspended by the vendor"
    assert "access_restored" not in queued_templates()


def test_staff_cannot_unsuspend_a_payment_block_but_payment_lifts_it(unpaid):
    block(unpaid)
    with pytest.raises(Refused) as refused:
        services.license_unsuspend(license_id=unpaid.pk, actor=STAFF)
    assert refused.value.code == Code.BLOCKED_FOR_PAYMENT
    assert refreshed(unpaid).status_label == "Suspended (unpaid invoice)"
    services.invoice_record_payment(invoice_id=unpaid.invoices.get().pk, actor=STAFF)
    license = refreshed(unpaid)
    assert (license.status, license.suspended_for) == ("active", "")
    assert queued_templates()[-1] == "access_restored"


def test_the_sweep_does_not_block_over_a_suspension_by_the_vendor(unpaid):
    services.license_suspend(license_id=unpaid.pk, actor=STAFF)
    due = unpaid.invoices.get().due_on
    for offset in (1, 8, 9):
        with time_machine.travel(due + timedelta(days=offset), tick=False):
            sweep_day(due + timedelta(days=offset))
    license = refreshed(unpaid)
    assert (license.status, license.suspended_for) == ("suspended", "vendor")
    assert "access_blocked" in queued_templates()  # the vendor's suspension was told
    assert queued_templates().count("access_blocked") == 1


def test_unsuspending_a_license_in_default_leaves_it_blocked_for_payment_and_says_so(
    unpaid,
):
    services.license_suspend(license_id=unpaid.pk, actor=STAFF)
    due = unpaid.invoices.get().due_on
    notice_day, block_day = due + timedelta(days=1), due + timedelta(days=8)
    for day in (notice_day, block_day):
        with time_machine.travel(day, tick=False):
            sweep_day(day)
    before = queued_templates().count("access_blocked")
    with time_machine.travel(block_day + timedelta(days=1), tick=False):
        services.license_unsuspend(license_id=unpaid.pk, actor=STAFF)
    license = refreshed(unpaid)
    assert (license.status, license.suspended_for) == ("suspended", "payment")
    assert queued_templates().count("access_blocked") == before + 1
    assert "access_restored" not in queued_templates()


def test_unsuspending_restores_a_license_not_in_default(unpaid):
    services.license_suspend(license_id=unpaid.pk, actor=STAFF)
    services.license_unsuspend(license_id=unpaid.pk, actor=STAFF, day=PURCHASED)
    license = refreshed(unpaid)
    assert (license.status, license.suspended_for) == ("active", "")
    assert queued_templates()[-1] == "access_restored"


def test_every_block_sends_its_email_even_for_the_same_invoice(unpaid):
    """Blocked for invoice A, suspended by staff, unsuspended while A is still
    unpaid: blocked again for A, and told again (the old key scheme kept quiet)."""
    block_day = block(unpaid)
    with time_machine.travel(block_day + timedelta(days=1), tick=False):
        services.license_suspend(license_id=unpaid.pk, actor=STAFF)
        services.license_unsuspend(license_id=unpaid.pk, actor=STAFF)
    assert refreshed(unpaid).suspended_for == License.SuspendedFor.PAYMENT
    # The sweep's block, the vendor's suspension, the block again.
    assert queued_templates().count("access_blocked") == 3
    with time_machine.travel(block_day + timedelta(days=2), tick=False):
        sweep_day(block_day + timedelta(days=2))  # nothing new: already blocked
    assert queued_templates().count("access_blocked") == 3


def test_a_suspension_twice_is_refused_and_an_ended_license_cannot_be_suspended(
    unpaid,
):
    services.license_suspend(license_id=unpaid.pk, actor=STAFF)
    with pytest.raises(Refused) as refused:
        services.license_suspend(license_id=unpaid.pk, actor=STAFF)
    assert refused.value.code == Code.NOT_ACTIVE
    services.license_terminate(license_id=unpaid.pk, day=PURCHASED, actor=STAFF)
    with pytest.raises(Refused) as refused:
        services.license_suspend(license_id=unpaid.pk, actor=STAFF)
    assert refused.value.code == Code.ALREADY_ENDED


@pytest.mark.parametrize(
    ("reason", "detail"),
    [
        ("payment", "The license is suspended for an unpaid invoice."),
        ("vendor", "The license is suspended by the vendor."),
    ],
)
def test_the_client_is_told_why_the_license_is_suspended(api, reason, detail):
    license = issue(plan=PlanFactory())
    License.objects.filter(pk=license.pk).update(
        status="suspended", suspended_for=reason
    )
    body = api.validate(license.key).body
    assert (body["code"], body["detail"]) == ("SUSPENDED", detail)
    refused = api.post("activations", {"key": license.key, "fingerprint": "pc"})
    assert refused.status_code == 403
    assert (refused.body["code"], refused.body["detail"]) == ("SUSPENDED", detail)
