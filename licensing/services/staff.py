"""Vendor staff's own decisions (admin actions): suspend, unsuspend, terminate.

A suspension by the vendor and a block for an unpaid invoice are both the
status SUSPENDED; `License.suspended_for` says which, and each is lifted its
own way:
- a payment block is lifted by recording the payment (or voiding the invoice
  and then unsuspending); staff cannot simply unsuspend it, so the daily sweep
  never has to block again what staff restored;
- a vendor suspension is lifted only by staff. Paying an invoice does not lift
  it, and the sweep does not block a license the vendor suspended. When staff
  unsuspend a license that is meanwhile in payment default past its block date,
  it stays suspended, now blocked for payment, and the registrant gets the
  block email.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from core import audit
from core.audit import Actor
from licensing.errors import Code, Refused
from licensing.models import License
from licensing.services.common import LIVE, Status, email_registrant, license_lock
from licensing.services.invoices import blocking_invoices


def _stamp() -> str:
    """A suffix that makes each staff decision's email its own."""
    return f"{timezone.now():%Y%m%d%H%M%S%f}"


@transaction.atomic
def license_suspend(*, license_id, actor: Actor) -> License:
    """Suspend access by the vendor's decision (e.g. abuse); the registrant is told.

    A license blocked for payment may be suspended too: the vendor's decision
    then holds, and a payment no longer restores access.
    """
    license = license_lock(pk=license_id)
    vendor = License.SuspendedFor.VENDOR
    if license.status not in LIVE:
        raise Refused(Code.ALREADY_ENDED)
    if license.status == Status.SUSPENDED and license.suspended_for == vendor:
        raise Refused(Code.NOT_ACTIVE)
    license.status, license.suspended_for = Status.SUSPENDED, vendor
    license.save(update_fields=["status", "suspended_for"])
    audit.record(actor=actor, action="license.suspended", target=license)
    email_registrant(
        license,
        key=f"access-suspended:{license.pk}:{_stamp()}",
        template="access_blocked",
        context={"invoice": None},
    )
    return license


@transaction.atomic
def license_unsuspend(*, license_id, actor: Actor, day: date | None = None) -> License:
    """Lift the vendor's suspension; the registrant is told.

    A payment block is refused (BLOCKED_FOR_PAYMENT): record the payment. A
    license in payment default past its block date is blocked for payment
    instead of restored, with the block email.
    """
    license = license_lock(pk=license_id)
    if license.status != Status.SUSPENDED:
        raise Refused(Code.NOT_SUSPENDED)
    if license.suspended_for != License.SuspendedFor.VENDOR:
        raise Refused(Code.BLOCKED_FOR_PAYMENT)
    day = day or timezone.localdate()
    blocking = blocking_invoices(license, day=day).order_by("due_on").first()
    audit.record(actor=actor, action="license.unsuspended", target=license)
    if blocking is not None:
        license.suspended_for = License.SuspendedFor.PAYMENT
        license.save(update_fields=["suspended_for"])
        audit.record(
            actor=actor,
            action="license.blocked",
            target=license,
            data={"invoice": blocking.number},
        )
        email_registrant(
            license,
            key=f"access-blocked:{blocking.pk}:{_stamp()}",
            template="access_blocked",
            context={"invoice": blocking},
        )
        return license
    license.status, license.suspended_for = Status.ACTIVE, ""
    license.save(update_fields=["status", "suspended_for"])
    email_registrant(
        license,
        key=f"access-restored:{license.pk}:{_stamp()}",
        template="access_restored",
        context={"invoice": None},
    )
    return license


@transaction.atomic
def license_terminate(*, license_id, day: date, actor: Actor) -> License:
    """End the agreement at once (the vendor's decision, e.g. for a breach)."""
    license = license_lock(pk=license_id)
    if license.status not in LIVE:
        raise Refused(Code.ALREADY_ENDED)
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
