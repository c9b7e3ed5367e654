"""Invoice writes outside payment are audited: voids at a cancellation, a withdrawal
and for a prepaid period that never began. Numbers taken at once stay in sequence."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction

from core.audit import Actor
from core.models import AuditEvent
from licensing import services
from licensing.models import Invoice
from licensing.sweep import sweep_day
from tests.concurrency import run_concurrently
from tests.factories import CustomerFactory, PlanFactory, issue

pytestmark = pytest.mark.django_db


def voids() -> list[tuple[str, dict]]:
    return list(
        AuditEvent.objects.filter(action="invoice.voided").values_list(
            "target_id", "data"
        )
    )


@pytest.mark.parametrize("ending", ["cancellation", "withdrawal"])
def test_voiding_at_a_cancellation_or_withdrawal_is_audited(ending):
    license = issue(
        plan=PlanFactory(),
        customer=CustomerFactory(kind="consumer"),
        purchased_on=date(2026, 6, 1),
        paid=False,
    )
    service = (
        services.license_cancel
        if ending == "cancellation"
        else services.license_withdraw
    )
    service(license_id=license.pk, day=date(2026, 6, 3), actor=Actor.system())
    invoice = license.invoices.get()
    assert invoice.status == Invoice.Status.VOID
    assert voids() == [(str(invoice.pk), {"reason": ending})]


def test_voiding_the_invoice_of_a_prepaid_period_that_never_began_is_audited():
    plan = PlanFactory(slug="prepaid-rolling", billing="prepaid", renewal="rolling")
    license = issue(
        plan=plan, customer=CustomerFactory(), purchased_on=date(2026, 1, 15)
    )
    reminder_day = date(2027, 1, 15) - timedelta(days=45)
    for day in (reminder_day, date(2027, 1, 15)):
        with time_machine.travel(day, tick=False):
            sweep_day(day)
    invoice = license.invoices.get(period_start=date(2027, 1, 15))
    assert invoice.status == Invoice.Status.VOID
    assert voids() == [(str(invoice.pk), {"reason": "prepaid-renewal-unpaid"})]


@pytest.mark.django_db(transaction=True)
def test_invoice_numbers_taken_at_once_are_unique_and_without_gaps():
    def take(n):
        with transaction.atomic():
            return services.invoice_numbers(2030, 5)

    taken = [number for batch in run_concurrently(take, 8) for number in batch]
    assert sorted(taken) == [f"2030-{n:06d}" for n in range(1, 41)]
