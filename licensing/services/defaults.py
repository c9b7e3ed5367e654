"""Payment default, a batch at a time (the daily sweep's notice, block and breach steps).

Each takes the invoice ids its sweep step selected, locks them with their
licenses, keeps those to which the change still applies, and writes the batch
in a fixed number of queries whatever its size.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from licensing import rules
from licensing.models import Invoice, License
from licensing.services.common import (
    LIVE,
    Status,
    audit_system_events,
    first_per_license,
    invoices_lock,
    registrant_message,
    send_messages,
)


@transaction.atomic
def default_notices_send(*, invoice_ids, day: date) -> int:
    """The day after the due date: tell the customer, with the date access will be blocked.

    Without a registrant there is nobody to notify, so no notice is recorded
    (and therefore no block follows).
    """
    due = [
        i
        for i in invoices_lock(invoice_ids)
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
    """Block access for payment, no earlier than BLOCK_GRACE_DAYS after the notice was sent.

    Only an active license is blocked: one the vendor suspended stays as it is
    (an unsuspend by staff blocks it then, see `license_unsuspend`). Each block
    has its own email, keyed by the invoice and the day.
    """
    due = first_per_license(
        [
            i
            for i in invoices_lock(invoice_ids)
            if i.status == Invoice.Status.OPEN
            and i.default_notice_sent_on is not None
            and i.default_notice_sent_on <= rules.block_notice_cutoff(day)
            and i.license.status == Status.ACTIVE
        ]
    )
    License.objects.filter(pk__in=[i.license_id for i in due]).update(
        status=Status.SUSPENDED, suspended_for=License.SuspendedFor.PAYMENT
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
                key=f"access-blocked:{i.pk}:{day}",
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
            for i in invoices_lock(invoice_ids)
            if i.status == Invoice.Status.OPEN
            and i.default_notice_sent_on is not None
            and i.due_on <= rules.breach_due_cutoff(day)
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
