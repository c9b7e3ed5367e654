"""Vendor staff's own decisions (admin actions)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from core.audit import Actor
from licensing.lifecycle.common import (
    LIVE,
    LifecycleRefused,
    Status,
    email_registrant,
    locked_license,
)
from licensing.models import License


@transaction.atomic
def license_suspend(*, license_id, actor: Actor) -> License:
    """Block access by hand (e.g. a payment agreed to be late, or abuse)."""
    license = locked_license(license_id)
    if license.status != Status.ACTIVE:
        raise LifecycleRefused(_("Only an active license can be suspended."))
    license.status = Status.SUSPENDED
    license.save(update_fields=["status"])
    audit.record(actor=actor, action="license.suspended", target=license)
    return license


@transaction.atomic
def license_unsuspend(*, license_id, actor: Actor) -> License:
    """Restore access by hand; the registrant is told."""
    license = locked_license(license_id)
    if license.status != Status.SUSPENDED:
        raise LifecycleRefused(_("Only a suspended license can be unsuspended."))
    license.status = Status.ACTIVE
    license.save(update_fields=["status"])
    audit.record(actor=actor, action="license.unsuspended", target=license)
    email_registrant(
        license,
        key=f"access-restored:{license.pk}:{timezone.now():%Y%m%d%H%M%S}",
        template="access_restored",
        context={"invoice": None},
    )
    return license


@transaction.atomic
def license_terminate(*, license_id, day: date, actor: Actor) -> License:
    """End the agreement at once (the vendor's decision, e.g. for a breach)."""
    license = locked_license(license_id)
    if license.status not in LIVE:
        raise LifecycleRefused(_("This license has already ended."))
    license.status = Status.TERMINATED
    license.ended_on = day
    license.save(update_fields=["status", "ended_on"])
    audit.record(
        actor=actor,
        action="license.terminated",
        target=license,
        data={"reason": "vendor"},
    )
    email_registrant(
        license,
        key=f"terminated:{license.pk}",
        template="terminated",
        context={"reason": "vendor", "ended_on": day},
    )
    return license
