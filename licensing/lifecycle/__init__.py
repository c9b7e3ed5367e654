"""The agreement over time: invoices, renewals, payment default, endings.

One service per change. Each locks what it changes, checks that the change
still applies (so running it twice does it once), writes its audit event and
queues its email with an idempotency key. The daily sweep (`licensing.sweep`)
and the admin call these; so will the portal.
"""

from licensing.lifecycle.batches import (
    default_notices_send,
    licenses_block,
    licenses_terminate_for_breach,
    periods_end,
    renewals_remind,
)
from licensing.lifecycle.common import LIVE, LifecycleRefused, Status
from licensing.lifecycle.endings import (
    cancellation_eligible,
    license_cancel,
    license_withdraw,
    termination_notice_receive,
    withdrawal_eligible,
)
from licensing.lifecycle.invoices import (
    invoice_create,
    invoice_numbers,
    invoice_record_payment,
    invoice_void,
)
from licensing.lifecycle.staff import (
    license_suspend,
    license_terminate,
    license_unsuspend,
)

__all__ = [
    "LIVE",
    "LifecycleRefused",
    "Status",
    "cancellation_eligible",
    "default_notices_send",
    "invoice_create",
    "invoice_numbers",
    "invoice_record_payment",
    "invoice_void",
    "license_cancel",
    "license_suspend",
    "license_terminate",
    "license_unsuspend",
    "license_withdraw",
    "licenses_block",
    "licenses_terminate_for_breach",
    "periods_end",
    "renewals_remind",
    "termination_notice_receive",
    "withdrawal_eligible",
]
