"""Reads of agreement versions."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from licensing.models import AgreementNotice, AgreementVersion


def agreement_current() -> AgreementVersion | None:
    """The version in force now (the newest published), or None."""
    return (
        AgreementVersion.objects.filter(published_at__lte=timezone.now())
        .order_by("-published_at")
        .first()
    )


def agreement_versions_binding_by(day: date) -> list[AgreementVersion]:
    """Versions published at least AGREEMENT_NOTICE_DAYS before `day`, oldest first."""
    cutoff = day - timedelta(days=settings.AGREEMENT_NOTICE_DAYS)
    return list(
        AgreementVersion.objects.filter(published_at__date__lte=cutoff).order_by(
            "published_at"
        )
    )


def agreement_notices_by(*, customer_ids, day: date) -> set[tuple[int, int]]:
    """(customer id, version id) of the changes these customers were told of at
    least AGREEMENT_NOTICE_DAYS before `day`."""
    cutoff = day - timedelta(days=settings.AGREEMENT_NOTICE_DAYS)
    return set(
        AgreementNotice.objects.filter(
            customer_id__in=customer_ids, notified_at__date__lte=cutoff
        ).values_list("customer_id", "version_id")
    )
