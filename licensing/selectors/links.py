"""Reads of what waits behind an emailed link: registrations and transfer offers."""

from __future__ import annotations

from django.utils import timezone

from licensing import tokens
from licensing.models import LIVE_STATUSES, RegistrationRequest, TransferOffer


def registration_pending(*, token: str) -> RegistrationRequest | None:
    """The unexpired registration request this token confirms, or None."""
    return tokens.pending(
        RegistrationRequest.objects.select_related("license__product"), token
    )


def transfer_pending(*, token: str) -> TransferOffer | None:
    """The unexpired transfer offer this token opens, or None (also when its
    license has ended since: nothing is left to transfer)."""
    return tokens.pending(
        TransferOffer.objects.select_related(
            "license__product", "license__plan"
        ).filter(license__status__in=LIVE_STATUSES),
        token,
    )


def license_transfer_offer(*, license) -> TransferOffer | None:
    """The license's transfer offer still waiting for its new owner, or None."""
    return TransferOffer.objects.filter(
        license=license, expires_at__gt=timezone.now()
    ).first()
