"""The record of each day the lifecycle sweep completed."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from licensing.models import SweepRun


def sweep_run_record(*, day: date, counts: dict) -> SweepRun:
    """Mark `day` swept, with the number of changes per step (a rerun updates it)."""
    run, _created = SweepRun.objects.update_or_create(
        day=day, defaults={"finished_at": timezone.now(), "counts": counts}
    )
    return run
