"""The agreement over the years, driven by the daily sweep, with the emails it promises."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from core.audit import Actor
from core.models import OutboxEmail
from licensing import services
from licensing.errors import Code, Refused
from licensing.models import SweepRun
from licensing.sweep import sweep, sweep_day
from tests.factories import PlanFactory, ProductFactory, issue
from tests.licensing.helpers import refreshed
from tests.outbox import queued_templates

# Transactional: every service commits, so emails leave through the outbox as in production.
pytestmark = pytest.mark.django_db(transaction=True)

STAFF = Actor.system()


def sweep_through(last_day: date):
    """Run the daily sweep every day up to `last_day`, as beat would."""
    first = SweepRun.objects.order_by("-day").values_list("day", flat=True).first()
    day = first + timedelta(days=1) if first else last_day
    while day <= last_day:
        with time_machine.travel(day, tick=False):
            sweep(today=day)
        day += timedelta(days=1)


def test_a_rolling_license_over_two_years(rolling_plan, customer):
    license = issue(
        plan=rolling_plan, customer=customer, purchased_on=date(2026, 1, 15)
    )
    first_invoice = license.invoices.get()
    assert (first_invoice.number, first_invoice.status) == ("2026-000001", "paid")
    assert (license.period_start, license.period_end) == (
        date(2026, 1, 15),
        date(2027, 1, 15),
    )

    # The renewal reminder, 45 days ahead, once.
    sweep_through(date(2026, 11, 30))
    assert queued_templates() == []
    sweep_through(date(2026, 12, 10))
    assert queued_templates() == ["renewal_reminder"]
    reminder = OutboxEmail.objects.get(template__endswith="renewal_reminder")
    assert reminder.idempotency_key == f"renewal-reminder:{license.pk}:2027-01-15"
    assert "15. januar 2027" in mail.outbox[-1].body  # the renewal date, in Norwegian
    assert "15. desember 2026" in mail.outbox[-1].body  # the notice deadline

    # The renewal, invoiced on the renewal day and due 15 days later.
    sweep_through(date(2027, 1, 15))
    license.refresh_from_db()
    assert (license.period_start, license.period_end) == (
        date(2027, 1, 15),
        date(2028, 1, 15),
    )
    renewal = license.invoices.get(period_start=date(2027, 1, 15))
    assert (renewal.number, renewal.issued_on, renewal.due_on) == (
        "2027-000001",
        date(2027, 1, 15),
        date(2027, 1, 30),
    )
    assert queued_templates()[-1] == "renewed"

    # Not paid: the notice the day after the due date, the block 7 days after the notice.
    sweep_through(date(2027, 1, 30))
    assert queued_templates()[-1] == "renewed"
    sweep_through(date(2027, 1, 31))
    assert queued_templates()[-1] == "payment_overdue"
    assert "7. februar 2027" in mail.outbox[-1].body
    sweep_through(date(2027, 2, 6))
    assert refreshed(license).status == "active"
    sweep_through(date(2027, 2, 7))
    assert refreshed(license).status == "suspended"
    assert queued_templates()[-1] == "access_blocked"

    # Paid: restored at once.
    services.invoice_record_payment(invoice_id=renewal.pk, actor=STAFF)
    assert refreshed(license).status == "active"
    assert queued_templates()[-1] == "access_restored"

    # The second year: reminder, renewal, default, block, and breach after 30 days.
    sweep_through(date(2028, 3, 1))
    second = license.invoices.get(period_start=date(2028, 1, 15))
    assert second.due_on == date(2028, 1, 30)
    assert refreshed(license).status == "terminated"
    license.refresh_from_db()
    assert license.ended_on == date(2028, 3, 1)  # breach_date = due + 31 days
    assert queued_templates() == [
        "renewal_reminder",
        "renewed",
        "payment_overdue",
        "access_blocked",
        "access_restored",
        "renewal_reminder",
        "renewed",
        "payment_overdue",
        "access_blocked",
        "terminated",
    ]
    assert len(mail.outbox) == 10  # each sent, once
    # Nothing more happens to an ended license.
    sweep_through(date(2029, 3, 1))
    assert len(queued_templates()) == 10


def test_the_sweep_twice_for_the_same_day_does_everything_once(rolling_plan, customer):
    license = issue(
        plan=rolling_plan, customer=customer, purchased_on=date(2026, 1, 15)
    )
    for _ in range(2):
        sweep_day(date(2026, 12, 1))
        sweep_day(date(2027, 1, 15))
        sweep_day(date(2027, 1, 31))
    license.refresh_from_db()
    assert license.period_end == date(2028, 1, 15)
    assert license.invoices.count() == 2
    assert queued_templates() == ["renewal_reminder", "renewed", "payment_overdue"]


def test_a_missed_week_is_caught_up_in_order_notice_before_block(
    rolling_plan, customer
):
    license = issue(
        plan=rolling_plan, customer=customer, purchased_on=date(2026, 3, 1), paid=False
    )
    sweep_through(date(2026, 3, 16))  # the due date: nothing yet
    assert queued_templates() == []
    # The sweep stops for ten days, then catches up in one go.
    with time_machine.travel(date(2026, 3, 26), tick=False):
        sweep(today=date(2026, 3, 26))
    assert queued_templates() == ["payment_overdue", "access_blocked"]
    invoice = license.invoices.get()
    assert invoice.default_notice_sent_on == date(2026, 3, 17)  # as if on time
    assert (
        SweepRun.objects.filter(
            day__range=(date(2026, 3, 17), date(2026, 3, 26))
        ).count()
        == 10
    )
    assert (
        SweepRun.objects.get(day=date(2026, 3, 24)).counts["blocks"] == 1
    )  # 7 days after


def test_no_block_without_a_notice(rolling_plan):
    unregistered = issue(plan=rolling_plan, purchased_on=date(2026, 3, 1), paid=False)
    sweep_through(date(2026, 4, 30))
    assert refreshed(unregistered).status == "active"
    assert unregistered.invoices.get().default_notice_sent_on is None


def test_a_late_reminder_is_still_sent_before_the_period_ends(rolling_plan, customer):
    license = issue(
        plan=rolling_plan, customer=customer, purchased_on=date(2026, 1, 15)
    )
    sweep_through(date(2026, 11, 1))
    # Stopped from 1 November until the day before renewal.
    with time_machine.travel(date(2027, 1, 14), tick=False):
        sweep(today=date(2027, 1, 14))
    assert queued_templates() == ["renewal_reminder"]
    license.refresh_from_db()
    assert license.reminded_for == date(2027, 1, 15)


@pytest.mark.parametrize(
    ("received_on", "ends_on"),
    [(date(2026, 12, 15), date(2027, 1, 15)), (date(2026, 12, 16), date(2028, 1, 15))],
)
def test_termination_notice_on_the_deadline_and_one_day_after(
    rolling_plan, customer, received_on, ends_on
):
    license = issue(
        plan=rolling_plan, customer=customer, purchased_on=date(2026, 1, 15)
    )
    services.termination_notice_receive(
        license_id=license.pk, received_on=received_on, actor=STAFF
    )
    license.refresh_from_db()
    assert license.termination_effective_on == ends_on
    assert queued_templates() == ["termination_received"]
    if ends_on.year == 2028:  # late notice: one more period, renewed and paid
        sweep_through(date(2027, 1, 15))
        renewal = license.invoices.get(status="open")
        services.invoice_record_payment(invoice_id=renewal.pk, actor=STAFF)
    sweep_through(ends_on - timedelta(days=1))
    assert refreshed(license).status == "active"
    sweep_through(ends_on)
    assert refreshed(license).status == "terminated"
    license.refresh_from_db()
    assert license.ended_on == ends_on
    expected = ["termination_received", "terminated"]
    if ends_on.year == 2028:
        expected = ["termination_received", "renewed", "terminated"]
    assert queued_templates() == expected
    with pytest.raises(Refused) as refused:
        services.termination_notice_receive(
            license_id=license.pk, received_on=ends_on, actor=STAFF
        )
    assert refused.value.code == Code.ALREADY_ENDED


def test_a_fixed_term_expires_without_renewal(customer):
    plan = PlanFactory(
        slug="backup-annual",
        product=ProductFactory(slug="backup", name="Backup"),
        renewal="fixed",
        billing="prepaid",
        price=Decimal("490.00"),
    )
    license = issue(plan=plan, customer=customer, purchased_on=date(2026, 5, 31))
    assert license.period_end == date(2027, 5, 31)
    sweep_through(date(2027, 5, 30))
    assert refreshed(license).status == "active"
    assert queued_templates() == []  # no renewal reminder for a fixed term
    sweep_through(date(2027, 5, 31))
    assert refreshed(license).status == "expired"
    assert queued_templates() == ["expired"]
    assert license.invoices.count() == 1


@pytest.mark.parametrize("paid", [True, False])
def test_a_prepaid_license_renews_only_into_a_paid_period(customer, paid):
    plan = PlanFactory(
        slug="prepaid-rolling",
        billing="prepaid",
        renewal="rolling",
        price=Decimal("490.00"),
    )
    license = issue(plan=plan, customer=customer, purchased_on=date(2026, 1, 15))
    sweep_through(
        date(2026, 12, 1)
    )  # the reminder comes with the invoice, due on the renewal day
    invoice = license.invoices.get(period_start=date(2027, 1, 15))
    assert (invoice.issued_on, invoice.due_on, invoice.status) == (
        date(2026, 12, 1),
        date(2027, 1, 15),
        "open",
    )
    assert invoice.number in mail.outbox[-1].body
    if paid:
        services.invoice_record_payment(invoice_id=invoice.pk, actor=STAFF)
    sweep_through(date(2027, 1, 15))
    license.refresh_from_db()
    if paid:
        assert (license.status, license.period_end) == ("active", date(2028, 1, 15))
        assert license.invoices.count() == 2  # no second invoice for the renewal
        assert queued_templates() == ["renewal_reminder", "renewed"]
    else:
        assert (license.status, license.ended_on) == ("expired", date(2027, 1, 15))
        invoice.refresh_from_db()
        assert invoice.status == "void"  # the period it billed never began
        assert queued_templates() == ["renewal_reminder", "expired"]
        sweep_through(
            date(2027, 3, 1)
        )  # the unpaid prepaid invoice brings no default notices
        assert queued_templates() == ["renewal_reminder", "expired"]
