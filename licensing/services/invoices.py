"""Invoices: numbers, creation, payment (which lifts a payment block), voiding."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from core import audit
from core.audit import Actor
from licensing import rules
from licensing.errors import Code, Refused
from licensing.models import Invoice, InvoiceCounter, License
from licensing.services.common import (
    Status,
    audit_system_events,
    email_registrant,
    license_lock,
)


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


def invoice_mark_paid(
    invoice: Invoice, *, actor: Actor, paid_at: datetime | None = None
) -> None:
    """Record the payment of a locked, open invoice (no unblocking: see below)."""
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = paid_at or timezone.now()
    invoice.save(update_fields=["status", "paid_at"])
    audit.record(actor=actor, action="invoice.paid", target=invoice)


@transaction.atomic
def invoice_record_payment(
    *, invoice_id: int, actor: Actor, paid_at: datetime | None = None
) -> Invoice:
    """Mark the invoice paid; a license blocked for payment default is restored at once.

    Payment lifts only a payment block: a license the vendor suspended stays suspended.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.status != Invoice.Status.OPEN:
        raise Refused(Code.INVOICE_NOT_OPEN)
    invoice_mark_paid(invoice, actor=actor, paid_at=paid_at)
    license = license_lock(pk=invoice.license_id)
    if (
        license.status == Status.SUSPENDED
        and license.suspended_for == License.SuspendedFor.PAYMENT
        and not blocking_invoices(license, day=timezone.localdate()).exists()
    ):
        license.status, license.suspended_for = Status.ACTIVE, ""
        license.save(update_fields=["status", "suspended_for"])
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
        raise Refused(Code.INVOICE_NOT_OPEN)
    invoice.status = Invoice.Status.VOID
    invoice.save(update_fields=["status"])
    audit.record(actor=actor, action="invoice.voided", target=invoice)
    return invoice


def invoices_void_open(*, license_ids: list, reason: str) -> int:
    """Void every open invoice of these licenses (they ended); audited, in two queries."""
    open_invoices = Invoice.objects.filter(
        license_id__in=license_ids, status=Invoice.Status.OPEN
    )
    ids = list(open_invoices.values_list("pk", flat=True))
    Invoice.objects.filter(pk__in=ids).update(status=Invoice.Status.VOID)
    audit_system_events(
        [("invoice", pk, "invoice.voided", {"reason": reason}) for pk in ids]
    )
    return len(ids)


def blocking_invoices(license: License, *, day: date):
    """Open invoices in default past their block date: the reasons a license is blocked."""
    return license.invoices.filter(
        status=Invoice.Status.OPEN,
        default_notice_sent_on__lte=rules.block_notice_cutoff(day),
    )
