"""Invoices: numbers, creation, payment (which unblocks), voiding."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from core.audit import Actor
from licensing import rules
from licensing.lifecycle.common import (
    LifecycleRefused,
    Status,
    email_registrant,
    locked_license,
)
from licensing.models import Invoice, InvoiceCounter, License


def invoice_numbers(year: int, count: int) -> list[str]:
    """The next `count` invoice numbers of `year`, without gaps.

    One upsert takes them and holds the counter's row lock until the caller's
    transaction ends, so numbers are neither skipped nor given twice.
    """
    table = connection.ops.quote_name(InvoiceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + EXCLUDED.last "
            "RETURNING last",
            [year, count],
        )
        last = cursor.fetchone()[0]
    return [f"{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


@transaction.atomic
def invoice_create(*, license: License, period_start: date, issued_on: date) -> Invoice:
    """The invoice for the period starting `period_start` (the existing one if there is one)."""
    existing = Invoice.objects.filter(
        license=license, period_start=period_start
    ).first()
    if existing is not None:
        return existing
    invoice = Invoice.objects.create(
        license=license,
        number=invoice_numbers(issued_on.year, 1)[0],
        period_start=period_start,
        issued_on=issued_on,
        due_on=rules.due_date(issued_on),
        amount=license.plan.price,
        currency=license.plan.currency,
    )
    audit.record(
        actor=Actor.system(),
        action="invoice.created",
        target=invoice,
        data={"license": str(license.pk), "number": invoice.number},
    )
    return invoice


@transaction.atomic
def invoice_record_payment(
    *, invoice_id: int, actor: Actor, paid_at: datetime | None = None
) -> Invoice:
    """Mark the invoice paid; a license blocked for payment default is restored at once."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.status != Invoice.Status.OPEN:
        raise LifecycleRefused(_("Only an open invoice can be paid."))
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = paid_at or timezone.now()
    invoice.save(update_fields=["status", "paid_at"])
    audit.record(actor=actor, action="invoice.paid", target=invoice)
    license = locked_license(invoice.license_id)
    if license.status == Status.SUSPENDED and not _blocking_invoices(license).exists():
        license.status = Status.ACTIVE
        license.save(update_fields=["status"])
        audit.record(actor=actor, action="license.unblocked", target=license)
        email_registrant(
            license,
            key=f"access-restored:{invoice.pk}",
            template="access_restored",
            context={"invoice": invoice},
        )
    return invoice


@transaction.atomic
def invoice_void(*, invoice_id: int, actor: Actor) -> Invoice:
    """Cancel an open invoice (a mistake, or the license was withdrawn)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.status != Invoice.Status.OPEN:
        raise LifecycleRefused(_("Only an open invoice can be voided."))
    invoice.status = Invoice.Status.VOID
    invoice.save(update_fields=["status"])
    audit.record(actor=actor, action="invoice.voided", target=invoice)
    return invoice


def _blocking_invoices(license: License):
    """Open invoices whose default notice has been sent: the reasons a license stays blocked."""
    return license.invoices.filter(
        status=Invoice.Status.OPEN, default_notice_sent_on__isnull=False
    )
