"""The agreement over time: invoices, renewals, payment default, endings.

One service per change. Each locks what it changes, checks that the change
still applies (so running it twice does it once), writes its audit event and
queues its email with an idempotency key. The daily sweep (`licensing.sweep`)
and the admin call these; so will the portal.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
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
    """Queue one lifecycle email to the registrant (none for an unregistered license)."""
    _send([_message(license, key=key, template=template, context=context)])


def _locked_license(license_id) -> License:
    return (
        License.objects.select_for_update(of=("self",))
        .select_related("product", "plan", "customer")
        .get(pk=license_id)
    )


# --- Invoices ------------------------------------------------------------------------


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


# --- The daily sweep's changes, a batch at a time -----------------------------------
#
# Each takes the ids its sweep step selected, locks them (in id order, so two
# sweeps cannot deadlock), keeps those to which the change still applies, and
# writes the batch in a fixed number of queries whatever its size.


def _message(
    license: License, *, key: str, template: str, context: dict
) -> dict | None:
    """An outbox message to the registrant; an unregistered license has nobody to tell."""
    if license.customer is None:
        return None
    return {
        "key": key,
        "to": license.customer.email,
        "template": f"licensing/email/{template}",
        "context": {
            "product": license.product.name,
            "key_hint": keys.masked(license.key),
            **context,
        },
        "language": license.customer.language,
    }


def _send(messages: list[dict | None]) -> None:
    outbox.enqueue_many([m for m in messages if m is not None])


def _locked_licenses(ids) -> list[License]:
    return list(
        License.objects.select_for_update(of=("self",))
        .select_related("product", "plan", "customer")
        .filter(pk__in=ids)
        .order_by("pk")
    )


def _locked_invoices(ids) -> list[Invoice]:
    return list(
        Invoice.objects.select_for_update(of=("self", "license"))
        .select_related("license__product", "license__plan", "license__customer")
        .filter(pk__in=ids)
        .order_by("license_id", "pk")
    )


def _first_per_license(invoices: list[Invoice]) -> list[Invoice]:
    """One invoice per license (the oldest), so a license changes and is told once."""
    seen, first = set(), []
    for invoice in invoices:
        if invoice.license_id not in seen:
            seen.add(invoice.license_id)
            first.append(invoice)
    return first


@transaction.atomic
def renewals_remind(*, license_ids, day: date) -> int:
    """Tell registrants of the coming renewal and the last day to give notice."""
    due = [
        lic
        for lic in _locked_licenses(license_ids)
        if lic.status in LIVE
        and lic.plan.renewal == Plan.Renewal.ROLLING
        and lic.termination_effective_on is None
        and lic.customer is not None
        and lic.reminded_for != lic.period_end
        and rules.reminder_date(lic.period_end) <= day < lic.period_end
    ]
    License.objects.filter(pk__in=[lic.pk for lic in due]).update(
        reminded_for=F("period_end")
    )
    # A prepaid renewal is invoiced with its reminder, due on the renewal day.
    invoices = _period_invoices(
        [
            (lic, lic.period_end, day, lic.period_end)
            for lic in due
            if lic.plan.billing == Plan.Billing.PREPAID
        ]
    )
    _send(
        [
            _message(
                lic,
                key=f"renewal-reminder:{lic.pk}:{lic.period_end}",
                template="renewal_reminder",
                context={
                    "renews_on": lic.period_end,
                    "notice_deadline": rules.notice_deadline(lic.period_end),
                    "price": lic.plan.price,
                    "currency": lic.plan.currency,
                    "invoice": invoices.get((lic.pk, lic.period_end)),
                },
            )
            for lic in due
        ]
    )
    return len(due)


@transaction.atomic
def periods_end(*, license_ids, day: date) -> int:
    """Licenses whose period has ended by `day`: notice ends them, a fixed term
    expires, a rolling license renews (as often as needed) with an invoice per period.
    """
    licenses = [
        lic
        for lic in _locked_licenses(license_ids)
        if lic.status in LIVE and lic.period_end <= day
    ]
    # A prepaid license renews only into a period already paid for.
    paid_ahead = set(
        Invoice.objects.filter(
            license_id__in=[
                lic.pk for lic in licenses if lic.plan.billing == Plan.Billing.PREPAID
            ],
            status=Invoice.Status.PAID,
        ).values_list("license_id", "period_start")
    )
    renewals, messages, events, unpaid_prepaid = [], [], [], []
    for lic in licenses:
        noticed = (
            lic.termination_effective_on is not None
            and lic.termination_effective_on <= lic.period_end
        )
        if noticed or lic.plan.renewal == Plan.Renewal.FIXED:
            lic.status = Status.TERMINATED if noticed else Status.EXPIRED
            lic.ended_on = lic.period_end
            template = "terminated" if noticed else "expired"
            messages.append(
                _message(
                    lic,
                    key=f"{template}:{lic.pk}",
                    template=template,
                    context={"reason": "notice", "ended_on": lic.ended_on},
                )
            )
            events.append(
                (
                    "license",
                    lic.pk,
                    f"license.{lic.status}",
                    {"reason": "notice" if noticed else "term"},
                )
            )
            continue
        while lic.period_end <= day:
            if (
                lic.plan.billing == Plan.Billing.PREPAID
                and (lic.pk, lic.period_end) not in paid_ahead
            ):
                lic.status, lic.ended_on = Status.EXPIRED, lic.period_end
                unpaid_prepaid.append(lic.pk)
                messages.append(
                    _message(
                        lic,
                        key=f"expired:{lic.pk}",
                        template="expired",
                        context={"ended_on": lic.ended_on},
                    )
                )
                events.append(
                    (
                        "license",
                        lic.pk,
                        "license.expired",
                        {"reason": "prepaid-renewal-unpaid"},
                    )
                )
                break
            lic.period_start, lic.period_end = rules.next_period(lic.period_end)
            renewals.append((lic, lic.period_start, lic.period_end))
    # One UPDATE per distinct outcome: on an ordinary day every license renewing
    # shares its new period, so a batch of renewals is one statement.
    outcomes: dict[tuple, list] = {}
    for lic in licenses:
        outcome = (lic.status, lic.ended_on, lic.period_start, lic.period_end)
        outcomes.setdefault(outcome, []).append(lic.pk)
    for (status, ended_on, start, end), pks in outcomes.items():
        License.objects.filter(pk__in=pks).update(
            status=status, ended_on=ended_on, period_start=start, period_end=end
        )
    # The unpaid invoice of a prepaid period that never began is void.
    if unpaid_prepaid:
        Invoice.objects.filter(
            license_id__in=unpaid_prepaid, status=Invoice.Status.OPEN
        ).update(status=Invoice.Status.VOID)
    # A renewal invoice is dated on the renewal day (prepaid: it exists, paid).
    invoices = _period_invoices(
        [(lic, start, start, rules.due_date(start)) for lic, start, _end in renewals]
    )
    if renewals:
        from licensing.agreements import deemed_accepted_at_renewal

        deemed_accepted_at_renewal(
            license_ids=list({lic.pk for lic, _start, _end in renewals}), renewed_on=day
        )
    for lic, start, end in renewals:
        invoice = invoices[(lic.pk, start)]
        messages.append(
            _message(
                lic,
                key=f"renewed:{lic.pk}:{start}",
                template="renewed",
                context={"period_start": start, "period_end": end, "invoice": invoice},
            )
        )
        events.append(
            (
                "license",
                lic.pk,
                "license.renewed",
                {"period_end": end.isoformat(), "invoice": invoice.number},
            )
        )
    _audit_bulk(events)
    _send(messages)
    return len(licenses)


def _period_invoices(items: list[tuple[License, date, date, date]]) -> dict:
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
    _audit_bulk(
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
def default_notices_send(*, invoice_ids, day: date) -> int:
    """The day after the due date: tell the customer, with the date access will be blocked.

    Without a registrant there is nobody to notify, so no notice is recorded
    (and therefore no block follows).
    """
    due = [
        i
        for i in _locked_invoices(invoice_ids)
        if i.status == Invoice.Status.OPEN
        and i.default_notice_sent_on is None
        and day > i.due_on
        and i.license.customer is not None
        and i.license.status in LIVE
    ]
    Invoice.objects.filter(pk__in=[i.pk for i in due]).update(
        default_notice_sent_on=day
    )
    _audit_bulk([("invoice", i.pk, "invoice.default_notice", {}) for i in due])
    _send(
        [
            _message(
                i.license,
                key=f"payment-overdue:{i.pk}",
                template="payment_overdue",
                context={"invoice": i, "block_on": rules.block_date(day)},
            )
            for i in due
        ]
    )
    return len(due)


@transaction.atomic
def licenses_block(*, invoice_ids, day: date) -> int:
    """Suspend access, no earlier than BLOCK_GRACE_DAYS after the notice was sent."""
    due = _first_per_license(
        [
            i
            for i in _locked_invoices(invoice_ids)
            if i.status == Invoice.Status.OPEN
            and i.default_notice_sent_on is not None
            and day >= rules.block_date(i.default_notice_sent_on)
            and i.license.status == Status.ACTIVE
        ]
    )
    License.objects.filter(pk__in=[i.license_id for i in due]).update(
        status=Status.SUSPENDED
    )
    _audit_bulk(
        [
            ("license", i.license_id, "license.blocked", {"invoice": i.number})
            for i in due
        ]
    )
    _send(
        [
            _message(
                i.license,
                key=f"access-blocked:{i.pk}",
                template="access_blocked",
                context={"invoice": i},
            )
            for i in due
        ]
    )
    return len(due)


@transaction.atomic
def licenses_terminate_for_breach(*, invoice_ids, day: date) -> int:
    """More than 30 days in default is a material breach: end the agreement at once."""
    due = _first_per_license(
        [
            i
            for i in _locked_invoices(invoice_ids)
            if i.status == Invoice.Status.OPEN
            and i.default_notice_sent_on is not None
            and day >= rules.breach_date(i.due_on)
            and i.license.status in LIVE
        ]
    )
    License.objects.filter(pk__in=[i.license_id for i in due]).update(
        status=Status.TERMINATED, ended_on=day
    )
    _audit_bulk(
        [
            ("license", i.license_id, "license.terminated", {"reason": "breach"})
            for i in due
        ]
    )
    _send(
        [
            _message(
                i.license,
                key=f"terminated:{i.license_id}",
                template="terminated",
                context={"reason": "breach", "invoice": i, "ended_on": day},
            )
            for i in due
        ]
    )
    return len(due)


def _audit_bulk(events: list[tuple[str, object, str, dict]]) -> None:
    """(kind, pk, action, data) audit events by the system, in one query per action."""
    by_action: dict[tuple[str, str], list] = {}
    for kind, pk, action, data in events:
        by_action.setdefault((kind, action), []).append((pk, data))
    for (kind, action), items in by_action.items():
        audit.record_bulk(
            actor=Actor.system(),
            action=action,
            model=License if kind == "license" else Invoice,
            items=items,
        )


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
