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
    audit_system_events,
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


def period_invoices(items: list[tuple[License, date, date, date]]) -> dict:
    """The invoice of each (license, period start, invoice date, due date), created
    unless it exists; {(license id, period start): invoice}, in a fixed number of queries.
    """
    if not items:
        return {}
    existing = {
        (i.license_id, i.period_start): i
        for i in Invoice.objects.filter(
            license_id__in={lic.pk for lic, *_rest in items},
            period_start__in={start for _lic, start, *_rest in items},
        )
    }
    missing = [item for item in items if (item[0].pk, item[1]) not in existing]
    numbers: list[str] = []
    missing.sort(key=lambda item: item[2].year)
    for year in sorted({issued.year for _lic, _start, issued, _due in missing}):
        numbers += invoice_numbers(year, sum(1 for m in missing if m[2].year == year))
    created = Invoice.objects.bulk_create(
        Invoice(
            license=lic,
            number=number,
            period_start=start,
            issued_on=issued,
            due_on=due,
            amount=lic.plan.price,
            currency=lic.plan.currency,
        )
        for (lic, start, issued, due), number in zip(missing, numbers, strict=True)
    )
    audit_system_events(
        [
            (
                "invoice",
                i.pk,
                "invoice.created",
                {"license": str(i.license_id), "number": i.number},
            )
            for i in created
        ]
    )
    return {**existing, **{(i.license_id, i.period_start): i for i in created}}


@transaction.atomic
def invoice_create(*, license: License, period_start: date, issued_on: date) -> Invoice:
    """The invoice for the period starting `period_start` (the existing one if there is one)."""
    item = (license, period_start, issued_on, rules.due_date(issued_on))
    return period_invoices([item])[(license.pk, period_start)]


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
