"""The daily lifecycle sweep: everything the agreement makes happen on a given day.

Orchestration only. `sweep` runs every day since the last completed one,
oldest first, so a sweep that was stopped for a week catches up in order (a
missed notice goes out before any block). `sweep_day` can be rerun for any
day: each step's selector (`licensing.selectors.due`) finds what is due, in
keyset batches, and the batch service it calls re-checks under a row lock, so
nothing happens twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from core.batches import keyset_batches
from licensing import selectors, services

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def due_steps(day: date) -> list[tuple[str, QuerySet, Callable[[list], int]]]:
    """The steps of one day, in order, each with what it selects and the service it calls."""
    return [
        (
            "reminders",
            selectors.reminders_due(day),
            lambda ids: services.renewals_remind(license_ids=ids, day=day),
        ),
        (
            "period_ends",
            selectors.period_ends_due(day),
            lambda ids: services.periods_end(license_ids=ids, day=day),
        ),
        (
            "default_notices",
            selectors.default_notices_due(day),
            lambda ids: services.default_notices_send(invoice_ids=ids, day=day),
        ),
        (
            "blocks",
            selectors.blocks_due(day),
            lambda ids: services.licenses_block(invoice_ids=ids, day=day),
        ),
        (
            "breaches",
            selectors.breaches_due(day),
            lambda ids: services.licenses_terminate_for_breach(
                invoice_ids=ids, day=day
            ),
        ),
    ]


def sweep_day(day: date, *, batch_size: int = BATCH_SIZE) -> dict:
    """Do what is due on `day`; the number of changes per step. Safe to rerun."""
    counts = {}
    for name, queryset, action in due_steps(day):
        batches = keyset_batches(queryset.values_list("pk", flat=True), batch_size)
        counts[name] = sum(action(ids) for ids in batches)
    counts["machines_released"] = services.activations_release_dead()
    services.sweep_run_record(day=day, counts=counts)
    logger.info("lifecycle sweep %s: %s", day, counts)
    return counts


def sweep(
    *, today: date | None = None, batch_size: int = BATCH_SIZE
) -> dict[date, dict]:
    """Sweep every day from the one after the last completed sweep up to `today`."""
    today = today or timezone.localdate()
    last = selectors.sweep_last_day()
    day = today if last is None or last >= today else last + timedelta(days=1)
    results = {}
    while day <= today:
        results[day] = sweep_day(day, batch_size=batch_size)
        day += timedelta(days=1)
    return results
