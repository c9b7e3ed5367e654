"""The agreement over time: invoices, renewals, payment default, endings.

One service per change. Each locks what it changes, checks that the change
still applies (so running it twice does it once), writes its audit event and
queues its email with an idempotency key. The daily sweep (`licensing.sweep`)
and the admin call these; so will the portal.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit, outbox
from core.audit import Actor
from licensing import keys, rules
from licensing.models import Invoice, InvoiceCounter, License, Plan, Refund

Status = License.Status
LIVE = (Status.ACTIVE, Status.SUSPENDED)
REFUND_DAYS = 14


class LifecycleRefused(Exception):
    """The change does not apply (not eligible, too late, wrong state); `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _email(license: License, *, key: str, template: str, context: dict) -> None:
    """Queue a lifecycle email to the registrant; an unregistered license has nobody to tell."""
    if license.customer is None:
        return
    outbox.enqueue(
        key=key,
        to=license.customer.email,
        template=f"licensing/email/{template}",
        context={
            "product": license.product.name,
            "key_hint": keys.masked(license.key),
            **context,
        },
        language=license.customer.language,
    )


def _locked_license(license_id) -> License:
    return (
        License.objects.select_for_update(of=("self",))
        .select_related("product", "plan", "customer")
        .get(pk=license_id)
    )


# --- Invoices ------------------------------------------------------------------------


def invoice_numbers(year: int, count: int) -> list[str]:
    """The next `count` invoice numbers of `year`, without gaps (the counter row is locked)."""
    InvoiceCounter.objects.get_or_create(year=year)
    counter = InvoiceCounter.objects.select_for_update().get(year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{year}-{n:06d}" for n in range(first, first + count)]


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
    license = _locked_license(invoice.license_id)
    if license.status == Status.SUSPENDED and not _blocking_invoices(license).exists():
        license.status = Status.ACTIVE
        license.save(update_fields=["status"])
        audit.record(actor=actor, action="license.unblocked", target=license)
        _email(
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


# --- Payment default ------------------------------------------------------------------


@transaction.atomic
def payment_default_notify(*, invoice_id: int, day: date) -> bool:
    """The day after the due date: tell the customer, with the date access will be blocked.

    Without a registrant there is nobody to notify, so no notice is recorded
    (and therefore no block follows).
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if (
        invoice.status != Invoice.Status.OPEN
        or invoice.default_notice_sent_on is not None
        or day <= invoice.due_on
    ):
        return False
    license = _locked_license(invoice.license_id)
    if license.customer is None or license.status not in LIVE:
        return False
    invoice.default_notice_sent_on = day
    invoice.save(update_fields=["default_notice_sent_on"])
    audit.record(actor=Actor.system(), action="invoice.default_notice", target=invoice)
    _email(
        license,
        key=f"payment-overdue:{invoice.pk}",
        template="payment_overdue",
        context={"invoice": invoice, "block_on": rules.block_date(day)},
    )
    return True


@transaction.atomic
def license_block(*, invoice_id: int, day: date) -> bool:
    """Suspend access, no earlier than BLOCK_GRACE_DAYS after the notice was sent."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if (
        invoice.status != Invoice.Status.OPEN
        or invoice.default_notice_sent_on is None
        or day < rules.block_date(invoice.default_notice_sent_on)
    ):
        return False
    license = _locked_license(invoice.license_id)
    if license.status != Status.ACTIVE:
        return False
    license.status = Status.SUSPENDED
    license.save(update_fields=["status"])
    audit.record(
        actor=Actor.system(),
        action="license.blocked",
        target=license,
        data={"invoice": invoice.number},
    )
    _email(
        license,
        key=f"access-blocked:{invoice.pk}",
        template="access_blocked",
        context={"invoice": invoice},
    )
    return True


@transaction.atomic
def license_terminate_for_breach(*, invoice_id: int, day: date) -> bool:
    """More than 30 days in default is a material breach: end the agreement at once."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if (
        invoice.status != Invoice.Status.OPEN
        or invoice.default_notice_sent_on is None
        or day < rules.breach_date(invoice.due_on)
    ):
        return False
    license = _locked_license(invoice.license_id)
    if license.status not in LIVE:
        return False
    _end(license, status=Status.TERMINATED, day=day, reason="breach")
    _email(
        license,
        key=f"terminated:{license.pk}",
        template="terminated",
        context={"reason": "breach", "invoice": invoice, "ended_on": day},
    )
    return True


def _end(license: License, *, status: str, day: date, reason: str) -> None:
    license.status = status
    license.ended_on = day
    license.save(update_fields=["status", "ended_on"])
    audit.record(
        actor=Actor.system(),
        action=f"license.{status}",
        target=license,
        data={"reason": reason},
    )


# --- Periods: reminders, renewals and endings -------------------------------------


@transaction.atomic
def renewal_remind(*, license_id, day: date) -> bool:
    """Tell the registrant of the coming renewal and the last day to give notice."""
    license = _locked_license(license_id)
    if (
        license.status not in LIVE
        or license.plan.renewal != Plan.Renewal.ROLLING
        or license.termination_effective_on is not None
        or license.customer is None
        or license.reminded_for == license.period_end
        or not rules.reminder_date(license.period_end) <= day < license.period_end
    ):
        return False
    license.reminded_for = license.period_end
    license.save(update_fields=["reminded_for"])
    _email(
        license,
        key=f"renewal-reminder:{license.pk}:{license.period_end}",
        template="renewal_reminder",
        context={
            "renews_on": license.period_end,
            "notice_deadline": rules.notice_deadline(license.period_end),
            "price": license.plan.price,
            "currency": license.plan.currency,
        },
    )
    return True


@transaction.atomic
def period_end(*, license_id, day: date) -> str | None:
    """What happens when the current period has ended by `day`; the outcome, or None.

    Notice that took effect ends the agreement; a fixed term expires; a
    rolling license renews (as often as needed to reach `day`) and is invoiced.
    """
    license = _locked_license(license_id)
    if license.status not in LIVE or license.period_end > day:
        return None
    if (
        license.termination_effective_on is not None
        and license.termination_effective_on <= license.period_end
    ):
        ended_on = license.period_end
        _end(license, status=Status.TERMINATED, day=ended_on, reason="notice")
        _email(
            license,
            key=f"terminated:{license.pk}",
            template="terminated",
            context={"reason": "notice", "ended_on": ended_on},
        )
        return "terminated"
    if license.plan.renewal == Plan.Renewal.FIXED:
        ended_on = license.period_end
        _end(license, status=Status.EXPIRED, day=ended_on, reason="term")
        _email(
            license,
            key=f"expired:{license.pk}",
            template="expired",
            context={"ended_on": ended_on},
        )
        return "expired"
    while license.period_end <= day:
        license.period_start, license.period_end = rules.next_period(license.period_end)
        license.save(update_fields=["period_start", "period_end"])
        # The renewal invoice is dated on the renewal day.
        invoice = invoice_create(
            license=license,
            period_start=license.period_start,
            issued_on=license.period_start,
        )
        audit.record(
            actor=Actor.system(),
            action="license.renewed",
            target=license,
            data={
                "period_end": license.period_end.isoformat(),
                "invoice": invoice.number,
            },
        )
        _email(
            license,
            key=f"renewed:{license.pk}:{license.period_start}",
            template="renewed",
            context={
                "period_start": license.period_start,
                "period_end": license.period_end,
                "invoice": invoice,
            },
        )
    return "renewed"


# --- Endings the customer chooses -------------------------------------------------


@transaction.atomic
def termination_notice_receive(
    *, license_id, received_on: date, actor: Actor
) -> License:
    """Record the customer's notice; it ends the agreement at the date the rules give."""
    license = _locked_license(license_id)
    if license.status not in LIVE:
        raise LifecycleRefused(_("This license has already ended."))
    if license.termination_effective_on is not None:
        raise LifecycleRefused(_("Notice has already been given for this license."))
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
    _email(
        license,
        key=f"termination-received:{license.pk}",
        template="termination_received",
        context={"effective_on": effective, "received_on": received_on},
    )
    return license


def _refund_paid(license: License, *, day: date) -> Refund | None:
    """Void what is open and owe back what was paid; the refund is due in 14 days."""
    for invoice in license.invoices.filter(status=Invoice.Status.OPEN):
        invoice.status = Invoice.Status.VOID
        invoice.save(update_fields=["status"])
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
    """A consumer may withdraw within 14 days of receiving the license (cooling-off)."""
    return (
        license.status in LIVE
        and license.customer is not None
        and license.customer.kind == license.customer.Kind.CONSUMER
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
    license = _locked_license(license_id)
    if not withdrawal_eligible(license, day=day):
        raise LifecycleRefused(
            _(
                "The 14-day withdrawal period has ended, or this license cannot be withdrawn."
            )
        )
    return _cancel(license, day=day, actor=actor, reason="withdrawal")


@transaction.atomic
def license_cancel(*, license_id, day: date, actor: Actor) -> Refund | None:
    """Cancel within 14 days of purchase, allowed while the program was never installed."""
    license = _locked_license(license_id)
    if not cancellation_eligible(license, day=day):
        raise LifecycleRefused(
            _(
                "Only a license never installed can be cancelled, within 14 days of purchase."
            )
        )
    return _cancel(license, day=day, actor=actor, reason="cancellation")


def _cancel(license: License, *, day: date, actor: Actor, reason: str) -> Refund | None:
    released = license.activations.count()
    license.activations.all().delete()
    refund = _refund_paid(license, day=day)
    license.status = Status.CANCELLED
    license.ended_on = day
    license.save(update_fields=["status", "ended_on"])
    audit.record(
        actor=actor,
        action="license.cancelled",
        target=license,
        data={"reason": reason, "machines_released": released},
    )
    _email(
        license,
        key=f"cancelled:{license.pk}",
        template="withdrawal_confirmed",
        context={"reason": reason, "refund": refund, "ended_on": day},
    )
    return refund


# --- Vendor staff's own decisions (admin actions) ----------------------------------


@transaction.atomic
def license_suspend(*, license_id, actor: Actor) -> License:
    """Block access by hand (e.g. a payment agreed to be late, or abuse)."""
    license = _locked_license(license_id)
    if license.status != Status.ACTIVE:
        raise LifecycleRefused(_("Only an active license can be suspended."))
    license.status = Status.SUSPENDED
    license.save(update_fields=["status"])
    audit.record(actor=actor, action="license.suspended", target=license)
    return license


@transaction.atomic
def license_unsuspend(*, license_id, actor: Actor) -> License:
    """Restore access by hand; the registrant is told."""
    license = _locked_license(license_id)
    if license.status != Status.SUSPENDED:
        raise LifecycleRefused(_("Only a suspended license can be unsuspended."))
    license.status = Status.ACTIVE
    license.save(update_fields=["status"])
    audit.record(actor=actor, action="license.unsuspended", target=license)
    _email(
        license,
        key=f"access-restored:{license.pk}:{timezone.now():%Y%m%d%H%M%S}",
        template="access_restored",
        context={"invoice": None},
    )
    return license


@transaction.atomic
def license_terminate(*, license_id, day: date, actor: Actor) -> License:
    """End the agreement at once (the vendor's decision, e.g. for a breach)."""
    license = _locked_license(license_id)
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
    _email(
        license,
        key=f"terminated:{license.pk}",
        template="terminated",
        context={"reason": "vendor", "ended_on": day},
    )
    return license
