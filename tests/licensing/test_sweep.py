"""The sweep works in batches whose query count does not grow with their size."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing import services
from licensing.models import Invoice, License
from licensing.sweep import sweep_day
from tests.factories import CustomerFactory, PlanFactory, issue

pytestmark = pytest.mark.django_db

PURCHASED = date(2026, 1, 15)
RENEWAL_DAY = date(2027, 1, 15)


def licenses(count, **kwargs):
    plan = PlanFactory(slug="desktop-single")
    return [
        issue(plan=plan, customer=CustomerFactory(), purchased_on=PURCHASED, **kwargs)
        for _ in range(count)
    ]


def queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def overdue_invoices(count, notice_on=None):
    invoices = [lic.invoices.get() for lic in licenses(count, paid=False)]
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(
        default_notice_sent_on=notice_on
    )
    return [i.pk for i in invoices]


STEPS = {
    "reminders": (
        lambda n: [lic.pk for lic in licenses(n)],
        lambda ids: services.renewals_remind(
            license_ids=ids, day=RENEWAL_DAY - timedelta(days=10)
        ),
    ),
    "renewals": (
        lambda n: [lic.pk for lic in licenses(n)],
        lambda ids: services.periods_end(license_ids=ids, day=RENEWAL_DAY),
    ),
    "default_notices": (
        lambda n: overdue_invoices(n),
        lambda ids: services.default_notices_send(
            invoice_ids=ids, day=date(2026, 2, 1)
        ),
    ),
    "blocks": (
        lambda n: overdue_invoices(n, notice_on=date(2026, 2, 1)),
        lambda ids: services.licenses_block(invoice_ids=ids, day=date(2026, 2, 8)),
    ),
    "breaches": (
        lambda n: overdue_invoices(n, notice_on=date(2026, 2, 1)),
        lambda ids: services.licenses_terminate_for_breach(
            invoice_ids=ids, day=date(2026, 3, 3)
        ),
    ),
}


@pytest.mark.parametrize("step", STEPS)
def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(step):
    make, run = STEPS[step]
    small, large = make(3), make(12)
    small_queries = queries(lambda: run(small))
    large_queries = queries(lambda: run(large))
    assert small_queries == large_queries
    assert small_queries <= 16


def test_a_day_of_renewals_makes_one_invoice_each_with_numbers_in_sequence():
    renewed = licenses(7)
    counts = sweep_day(RENEWAL_DAY, batch_size=3)
    assert counts["period_ends"] == 7
    numbers = sorted(
        Invoice.objects.filter(period_start=RENEWAL_DAY).values_list(
            "number", flat=True
        )
    )
    assert numbers == [f"2027-{n:06d}" for n in range(1, 8)]
    assert all(
        lic.period_end == date(2028, 1, 15)
        for lic in License.objects.filter(pk__in=[r.pk for r in renewed])
    )
    # Again for the same day: nothing more.
    assert sweep_day(RENEWAL_DAY, batch_size=3)["period_ends"] == 0
    assert Invoice.objects.filter(period_start=RENEWAL_DAY).count() == 7
