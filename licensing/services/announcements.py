"""Durable announcements: a fan-out of emails recorded with what it announces.

Publishing an agreement change, a release or product news writes an
`Announcement` in the same transaction and starts its fan-out task after
commit. If the broker is down, nothing is lost: `announcements_requeue`
(every minute) starts every fan-out not done after `OUTBOX_STALE_SECONDS`
again, and the fan-out, whose emails have idempotency keys, marks it done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.jobs import task_send
from licensing.models import Announcement

logger = logging.getLogger(__name__)

Kind = Announcement.Kind
# The task that fans each kind out (names of licensing.tasks; they do not change).
FAN_OUT_TASKS = {
    Kind.AGREEMENT: "licensing.tasks.announce_agreement",
    Kind.RELEASE: "licensing.tasks.notify_release",
    Kind.NEWS: "licensing.tasks.send_news",
}


def announcement_queue(*, kind: str, object_id: int) -> Announcement:
    """Record the fan-out in the caller's transaction and start it after commit."""
    announcement = Announcement.objects.create(kind=kind, object_id=object_id)
    transaction.on_commit(lambda: _start(announcement))
    return announcement


def _start(announcement: Announcement) -> None:
    try:
        task_send(FAN_OUT_TASKS[announcement.kind], announcement.object_id)
    except Exception:  # the broker's errors vary by transport; the requeue retries
        logger.warning(
            "announcement %s not started; the requeue starts it later",
            announcement.pk,
            exc_info=True,
        )


def announcement_done(*, kind: str, object_id: int) -> None:
    """The fan-out has queued every email: nothing is left to requeue."""
    Announcement.objects.filter(
        kind=kind, object_id=object_id, done_at__isnull=True
    ).update(done_at=timezone.now())


def announcements_requeue(*, now: datetime | None = None, limit: int = 100) -> int:
    """Start again every fan-out still not done after OUTBOX_STALE_SECONDS."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    stale = list(
        Announcement.objects.filter(
            done_at__isnull=True, created_at__lt=cutoff
        ).order_by("created_at")[:limit]
    )
    Announcement.objects.filter(pk__in=[a.pk for a in stale]).update(
        attempts=F("attempts") + 1
    )
    for announcement in stale:
        _start(announcement)
    return len(stale)
