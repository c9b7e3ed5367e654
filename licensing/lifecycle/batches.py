"""The daily sweep's changes, a batch at a time.

Each takes the ids its sweep step selected, locks them (in id order, so two
sweeps cannot deadlock), keeps those to which the change still applies, and
writes the batch in a fixed number of queries whatever its size.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F

from licensing import rules
from licensing.lifecycle.common import (
    LIVE,
    Status,
    audit_system_events,
    first_per_license,
    locked_invoices,
    locked_licenses,
    registrant_message,
    send_messages,
)
from licensing.lifecycle.invoices import period_invoices
from licensing.models import Invoice, License, Plan


@transaction.atomic
def renewals_remind(*, license_ids, day: date) -> int:
    """Tell registrants of the coming renewal and the last day to give notice."""
    due = [
        lic
        for lic in locked_licenses(license_ids)
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
    invoices = period_invoices(
        [
            (lic, lic.period_end, day, lic.period_end)
            for lic in due
            if lic.plan.billing == Plan.Billing.PREPAID
        ]
    )
    send_messages(
        [
            registrant_message(
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
        for lic in locked_licenses(license_ids)
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
                registrant_message(
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
                    registrant_message(
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
    invoices = period_invoices(
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
            registrant_message(
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
    audit_system_events(events)
    send_messages(messages)
    return len(licenses)


@transaction.atomic
def default_notices_send(*, invoice_ids, day: date) -> int:
    """The day after the due date: tell the customer, with the date access will be blocked.

    Without a registrant there is nobody to notify, so no notice is recorded
    (and therefore no block follows).
    """
    due = [
        i
        for i in locked_invoices(invoice_ids)
        if i.status == Invoice.Status.OPEN
        and i.default_notice_sent_on is None
        and day > i.due_on
        and i.license.customer is not None
        and i.license.status in LIVE
    ]
    Invoice.objects.filter(pk__in=[i.pk for i in due]).update(
        default_notice_sent_on=day
    )
    audit_system_events([("invoice", i.pk, "invoice.default_notice", {}) for i in due])
    send_messages(
        [
            registrant_message(
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
    due = first_per_license(
        [
            i
            for i in locked_invoices(invoice_ids)
            if i.status == Invoice.Status.OPEN
            and i.default_notice_sent_on is not None
            and day >= rules.block_date(i.default_notice_sent_on)
            and i.license.status == Status.ACTIVE
        ]
    )
    License.objects.filter(pk__in=[i.license_id for i in due]).update(
        status=Status.SUSPENDED
    )
    audit_system_events(
        [
            ("license", i.license_id, "license.blocked", {"invoice": i.number})
            for i in due
        ]
    )
    send_messages(
        [
            registrant_message(
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
    due = first_per_license(
        [
            i
            for i in locked_invoices(invoice_ids)
            if i.status == Invoice.Status.OPEN
            and i.default_notice_sent_on is not None
            and day >= rules.breach_date(i.due_on)
            and i.license.status in LIVE
        ]
    )
    License.objects.filter(pk__in=[i.license_id for i in due]).update(
        status=Status.TERMINATED, ended_on=day
    )
    audit_system_events(
        [
            ("license", i.license_id, "license.terminated", {"reason": "breach"})
            for i in due
        ]
    )
    send_messages(
        [
            registrant_message(
                i.license,
                key=f"terminated:{i.license_id}",
                template="terminated",
                context={"reason": "breach", "invoice": i, "ended_on": day},
            )
            for i in due
        ]
    )
    return len(due)
