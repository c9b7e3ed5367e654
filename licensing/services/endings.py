"""Endings the customer chooses: notice, cancellation, withdrawal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from accounts.models import Customer
from core import audit
from core.audit import Actor
from licensing import rules
from licensing.errors import Code, Refused
from licensing.models import Invoice, License, Plan, Refund
from licensing.services.common import (
    LIVE,
    REFUND_DAYS,
    Status,
    email_registrant,
    license_lock,
)
from licensing.services.invoices import invoices_void_open


@transaction.atomic
def termination_notice_receive(
    *, license_id, received_on: date, actor: Actor
) -> License:
    """Record the customer's notice; it ends the agreement at the date the rules give."""
    license = license_lock(pk=license_id)
    if license.status not in LIVE:
        raise Refused(Code.ALREADY_ENDED)
    if license.termination_effective_on is not None:
        raise Refused(Code.NOTICE_ALREADY_GIVEN)
    if license.plan.renewal == Plan.Renewal.FIXED:
        effective = license.period_end  # a fixed term ends anyway
    else:
        effective = rules.termination_effective_date(license.period_end, received_on)
    license.termination_received_on = received_on
    license.termination_effective_on = effective
    license.save(update_fields=["termination_received_on", "termination_effective_on"])
    audit.record(
        actor=actor,
        action="license.termination_noticed",
        target=license,
        data={"effective_on": effective.isoformat()},
    )
    email_registrant(
        license,
        key=f"termination-received:{license.pk}",
        template="termination_received",
        context={"effective_on": effective, "received_on": received_on},
    )
    return license


def _refund_paid(license: License, *, day: date, reason: str) -> Refund | None:
    """Void what is open and owe back what was paid; the refund is due in 14 days."""
    invoices_void_open(license_ids=[license.pk], reason=reason)
    paid = sum(
        (i.amount for i in license.invoices.filter(status=Invoice.Status.PAID)),
        Decimal(0),
    )
    if not paid:
        return None
    return Refund.objects.create(
        license=license,
        amount=paid,
        currency=license.plan.currency,
        due_on=day + timedelta(days=REFUND_DAYS),
    )


def withdrawal_eligible(license: License, *, day: date) -> bool:
    """A consumer may withdraw within 14 days of receiving the license (cooling-off).

    Consumer or business is the license's (as it was registered), not the
    customer's: one customer may hold licenses bought either way.
    """
    return (
        license.status in LIVE
        and license.customer_id is not None
        and license.customer_kind == Customer.Kind.CONSUMER
        and day <= rules.withdrawal_deadline(license.purchased_on)
    )


def cancellation_eligible(license: License, *, day: date) -> bool:
    """Anyone may cancel within 14 days of purchase if the program was never installed."""
    return (
        license.status in LIVE
        and license.first_activated_at is None
        and day <= rules.withdrawal_deadline(license.purchased_on)
    )


@transaction.atomic
def license_withdraw(*, license_id, day: date, actor: Actor) -> Refund | None:
    """Cooling-off withdrawal: the license is cancelled, its machines released, paid money refunded."""
    license = license_lock(pk=license_id)
    if not withdrawal_eligible(license, day=day):
        raise Refused(Code.WITHDRAWAL_NOT_ALLOWED)
    return _cancel(license, day=day, actor=actor, reason="withdrawal")


@transaction.atomic
def license_cancel(*, license_id, day: date, actor: Actor) -> Refund | None:
    """Cancel within 14 days of purchase, allowed while the program was never installed."""
    license = license_lock(pk=license_id)
    if not cancellation_eligible(license, day=day):
        raise Refused(Code.CANCELLATION_NOT_ALLOWED)
    return _cancel(license, day=day, actor=actor, reason="cancellation")


def _cancel(license: License, *, day: date, actor: Actor, reason: str) -> Refund | None:
    released = license.activations.count()
    license.activations.all().delete()
    refund = _refund_paid(license, day=day, reason=reason)
    license.status = Status.CANCELLED
    license.ended_on = day
    license.save(update_fields=["status", "ended_on"])
    audit.record(
        actor=actor,
        action="license.cancelled",
        target=license,
        data={"reason": reason, "machines_released": released},
    )
    email_registrant(
        license,
        key=f"cancelled:{license.pk}",
        template="withdrawal_confirmed",
        context={"reason": reason, "refund": refund, "ended_on": day},
    )
    return refund
