"""The daily lifecycle sweep: everything the agreement makes happen on a given day.

`sweep` runs every day since the last completed one, oldest first, so a sweep
that was stopped for a week catches up in order (a missed notice goes out
before any block). `sweep_day` can be rerun for any day: each step selects
what is due with an indexed query, in batches, and the service it calls
re-checks under a row lock, so nothing happens twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from licensing import lifecycle, rules, services
from licensing.models import Invoice, License, Plan, SweepRun

logger = logging.getLogger(__name__)

LIVE = lifecycle.LIVE
BATCH_SIZE = 500


def _batches(queryset: QuerySet, batch_size: int):
    """Primary keys of `queryset` in ascending batches (keyset pagination)."""
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        ids = list(page.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _run(queryset: QuerySet, action: Callable[[list], int], batch_size: int) -> int:
    return sum(action(ids) for ids in _batches(queryset, batch_size))


def due_steps(day: date) -> list[tuple[str, QuerySet, Callable]]:
    """The steps of one day, in order, each with what it selects and the service it calls."""
    reminder_horizon = day + timedelta(days=settings.RENEWAL_REMINDER_DAYS)
    notice_cutoff = day - timedelta(days=settings.BLOCK_GRACE_DAYS)
    breach_cutoff = day - timedelta(days=rules.BREACH_AFTER_DAYS + 1)
    open_invoices = Invoice.objects.filter(status=Invoice.Status.OPEN)
    return [
        (
            "reminders",
            License.objects.filter(
                status__in=LIVE,
                plan__renewal=Plan.Renewal.ROLLING,
                termination_effective_on__isnull=True,
                customer__isnull=False,
                period_end__gt=day,
                period_end__lte=reminder_horizon,
            ).exclude(reminded_for=F("period_end")),
            lambda ids: lifecycle.renewals_remind(license_ids=ids, day=day),
        ),
        (
            "period_ends",
            License.objects.filter(status__in=LIVE, period_end__lte=day),
            lambda ids: lifecycle.periods_end(license_ids=ids, day=day),
        ),
        (
            "default_notices",
            open_invoices.filter(
                default_notice_sent_on__isnull=True,
                due_on__lt=day,
                license__status__in=LIVE,
                license__customer__isnull=False,
            ),
            lambda ids: lifecycle.default_notices_send(invoice_ids=ids, day=day),
        ),
        (
            "blocks",
            open_invoices.filter(
                default_notice_sent_on__lte=notice_cutoff,
                license__status=License.Status.ACTIVE,
            ),
            lambda ids: lifecycle.licenses_block(invoice_ids=ids, day=day),
        ),
        (
            "breaches",
            open_invoices.filter(
                default_notice_sent_on__isnull=False,
                due_on__lte=breach_cutoff,
                license__status__in=LIVE,
            ),
            lambda ids: lifecycle.licenses_terminate_for_breach(
                invoice_ids=ids, day=day
            ),
        ),
    ]


def sweep_day(day: date, *, batch_size: int = BATCH_SIZE) -> dict:
    """Do what is due on `day`; the number of changes per step. Safe to rerun."""
    counts = {
        name: _run(queryset, action, batch_size)
        for name, queryset, action in due_steps(day)
    }
    counts["machines_released"] = services.activations_release_dead()
    SweepRun.objects.update_or_create(
        day=day, defaults={"finished_at": timezone.now(), "counts": counts}
    )
    logger.info("lifecycle sweep %s: %s", day, counts)
    return counts


def sweep(
    *, today: date | None = None, batch_size: int = BATCH_SIZE
) -> dict[date, dict]:
    """Sweep every day from the one after the last completed sweep up to `today`."""
    today = today or timezone.localdate()
    last = SweepRun.objects.order_by("-day").values_list("day", flat=True).first()
    day = today if last is None or last >= today else last + timedelta(days=1)
    results = {}
    while day <= today:
        results[day] = sweep_day(day, batch_size=batch_size)
        day += timedelta(days=1)
    return results
