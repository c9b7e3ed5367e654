"""Reads of agreement versions."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from licensing.models import AgreementVersion


def agreement_current() -> AgreementVersion | None:
    """The version in force now (the newest published), or None."""
    return (
        AgreementVersion.objects.filter(published_at__lte=timezone.now())
        .order_by("-published_at")
        .first()
    )


def agreement_binding_at_renewal(renewed_on: date) -> AgreementVersion | None:
    """The newest version announced at least AGREEMENT_NOTICE_DAYS before `renewed_on`."""
    cutoff = renewed_on - timedelta(days=settings.AGREEMENT_NOTICE_DAYS)
    return (
        AgreementVersion.objects.filter(published_at__date__lte=cutoff)
        .order_by("-published_at")
        .first()
    )
