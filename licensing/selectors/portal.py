"""Reads of the customer portal: always filtered by the signed-in customer.

Someone else's license, machine or invoice is never fetched: it is simply not
found (the page answers 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone

from licensing import rules
from licensing.models import (
    LIVE_STATUSES,
    Activation,
    Invoice,
    License,
    Plan,
)


def customer_licenses(*, customer, today: date | None = None) -> list[License]:
    """The customer's licenses, live ones first, newest first within.

    Each has `machines_used` and `open_invoices` (open, not yet past due)
    counted in one query, and `overdue_invoices` (open past their due date,
    oldest first) fetched in a second: two queries however many licenses.
    """
    today = today or timezone.localdate()
    return list(
        License.objects.filter(customer=customer)
        .select_related("product", "plan")
        .annotate(
            machines_used=Count("activations", distinct=True),
            open_invoices=Count(
                "invoices",
                filter=Q(
                    invoices__status=Invoice.Status.OPEN, invoices__due_on__gte=today
                ),
                distinct=True,
            ),
        )
        .prefetch_related(
            Prefetch(
                "invoices",
                queryset=Invoice.objects.filter(
                    status=Invoice.Status.OPEN, due_on__lt=today
                ).order_by("due_on", "pk"),
                to_attr="overdue_invoices",
            )
        )
        .annotate(
            ended=Case(
                When(status__in=LIVE_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("ended", "-created_at")
    )


def customer_license(*, customer, license_id) -> License | None:
    """The customer's license with this id, or None (also when it is someone else's)."""
    return (
        License.objects.filter(customer=customer, pk=license_id)
        .select_related("product", "plan", "customer", "agreement_version")
        .first()
    )


def license_machines(*, license: License) -> list[Activation]:
    return list(license.activations.order_by("activated_at"))


def license_machine(*, license: License, activation_id) -> Activation | None:
    return license.activations.filter(pk=activation_id).first()


def license_invoices(*, license: License) -> list[Invoice]:
    return list(license.invoices.order_by("-issued_on", "-pk"))


def customer_invoice(*, customer, license_id, invoice_id) -> Invoice | None:
    """The invoice of the customer's license, or None (also when it is someone else's)."""
    return (
        Invoice.objects.filter(
            pk=invoice_id, license_id=license_id, license__customer=customer
        )
        .select_related("license__product", "license__plan", "license__customer")
        .first()
    )


@dataclass(frozen=True)
class Dates:
    """What the portal says about a license's dates (None where it does not apply)."""

    renews_on: date | None
    notice_deadline: date | None
    ends_on: date | None


def license_dates(license: License) -> Dates:
    """Renewal date and notice deadline of a live rolling license without notice;
    the known end of one that will end (fixed term, or notice given)."""
    if license.status not in LIVE_STATUSES:
        return Dates(None, None, license.ended_on)
    if license.termination_effective_on is not None:
        return Dates(None, None, license.termination_effective_on)
    if license.plan.renewal == Plan.Renewal.FIXED:
        return Dates(None, None, license.period_end)
    return Dates(license.period_end, rules.notice_deadline(license.period_end), None)


def termination_effective_on(license: License, *, received_on: date) -> date:
    """When notice received on `received_on` would end the license (as the
    service will record it: a fixed term ends at its end anyway)."""
    if license.plan.renewal == Plan.Renewal.FIXED:
        return license.period_end
    return rules.termination_effective_date(license.period_end, received_on)
