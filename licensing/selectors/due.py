"""What the daily sweep finds due on a day: one indexed query per step.

The cut-off dates come from `licensing.rules`; the services re-check each row
under its lock, so these queries only need to find every candidate.
"""

from __future__ import annotations

from datetime import date

from django.db.models import F, QuerySet

from licensing import rules
from licensing.models import LIVE_STATUSES as LIVE
from licensing.models import Invoice, License, Plan, SweepRun


def reminders_due(day: date) -> QuerySet[License]:
    """Rolling licenses with a registrant whose renewal reminder is due and not yet sent."""
    return License.objects.filter(
        status__in=LIVE,
        plan__renewal=Plan.Renewal.ROLLING,
        termination_effective_on__isnull=True,
        customer__isnull=False,
        period_end__gt=day,
        period_end__lte=rules.reminder_horizon(day),
    ).exclude(reminded_for=F("period_end"))


def period_ends_due(day: date) -> QuerySet[License]:
    """Live licenses whose period has ended by `day`."""
    return License.objects.filter(status__in=LIVE, period_end__lte=day)


def _open_invoices() -> QuerySet[Invoice]:
    return Invoice.objects.filter(status=Invoice.Status.OPEN)


def default_notices_due(day: date) -> QuerySet[Invoice]:
    """Open invoices past their due date whose registrant was not yet told."""
    return _open_invoices().filter(
        default_notice_sent_on__isnull=True,
        due_on__lt=day,
        license__status__in=LIVE,
        license__customer__isnull=False,
    )


def blocks_due(day: date) -> QuerySet[Invoice]:
    """Open invoices whose notice is old enough to block an active license."""
    return _open_invoices().filter(
        default_notice_sent_on__lte=rules.block_notice_cutoff(day),
        license__status=License.Status.ACTIVE,
    )


def breaches_due(day: date) -> QuerySet[Invoice]:
    """Open invoices, noticed, late enough to be a material breach."""
    return _open_invoices().filter(
        default_notice_sent_on__isnull=False,
        due_on__lte=rules.breach_due_cutoff(day),
        license__status__in=LIVE,
    )


def sweep_last_day() -> date | None:
    """The last day the sweep completed, or None before the first sweep."""
    return SweepRun.objects.order_by("-day").values_list("day", flat=True).first()
