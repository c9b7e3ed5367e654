"""Renewals, a batch at a time (the daily sweep's reminder and period-end steps).

Each takes the ids its sweep step selected, locks them (in id order, so two
sweeps cannot deadlock), keeps those to which the change still applies, and
writes the batch in a fixed number of queries whatever its size.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F

from licensing import rules
from licensing.models import Invoice, License, Plan
from licensing.services.agreements import deemed_accepted_at_renewal
from licensing.services.common import (
    LIVE,
    Status,
    audit_system_events,
    licenses_lock,
    registrant_message,
    send_messages,
)
from licensing.services.invoices import invoices_void_open, period_invoices


@transaction.atomic
def renewals_remind(*, license_ids, day: date) -> int:
    """Tell registrants of the coming renewal and the last day to give notice."""
    due = [
        lic
        for lic in licenses_lock(license_ids)
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
        for lic in licenses_lock(license_ids)
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
        invoices_void_open(license_ids=unpaid_prepaid, reason="prepaid-renewal-unpaid")
    # A renewal invoice is dated on the renewal day (prepaid: it exists, paid).
    invoices = period_invoices(
        [(lic, start, start, rules.due_date(start)) for lic, start, _end in renewals]
    )
    if renewals:
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
