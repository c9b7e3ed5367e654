"""Every write of the licensing domain goes through one of these services.

One module per domain: issuing, machines (activation, heartbeat, offline
files), registration, signing keys, invoices, renewals and defaults (the
sweep's batch steps), endings, staff decisions, transfer, agreements,
marketing (releases and news), sweep runs. Each write is atomic, locks what it
changes (`common.license_lock`), re-checks that it still applies, writes its
audit event and queues its emails. Refusals are `licensing.errors.Refused`.
"""

from licensing.services.agreements import (
    agreement_accept,
    agreement_announce,
    agreement_publish,
    deemed_accepted_at_renewal,
)
from licensing.services.announcements import (
    announcement_done,
    announcement_queue,
    announcements_requeue,
)
from licensing.services.common import (
    FINGERPRINT_PURPOSE,
    LIVE,
    fingerprint_hash,
    key_index,
    license_lock,
)
from licensing.services.defaults import (
    default_notices_send,
    licenses_block,
    licenses_terminate_for_breach,
)
from licensing.services.endings import (
    cancellation_eligible,
    license_cancel,
    license_withdraw,
    termination_notice_receive,
    withdrawal_eligible,
)
from licensing.services.invoices import (
    invoice_create,
    invoice_numbers,
    invoice_record_payment,
    invoice_void,
)
from licensing.services.issuing import license_issue, license_issue_by_partner
from licensing.services.machines import (
    activation_create,
    activation_deactivate,
    activation_heartbeat,
    activation_release,
    activations_release_dead,
    offline_checkout,
    offline_file_issue,
)
from licensing.services.marketing import (
    news_publish,
    news_send,
    release_notify,
    release_publish,
)
from licensing.services.partners import partner_user_invite
from licensing.services.recovery import (
    license_recovery_request,
    license_recovery_send,
)
from licensing.services.registration import (
    invoices_hold_billing,
    license_claim,
    licenses_unregister,
    registration_confirm,
    registration_request,
    registrations_purge_expired,
)
from licensing.services.renewals import periods_end, renewals_remind
from licensing.services.signing_keys import (
    signing_key_revoke,
    signing_key_rotate,
    signing_keys_purge,
)
from licensing.services.staff import (
    license_suspend,
    license_terminate,
    license_unsuspend,
)
from licensing.services.sweeps import sweep_run_record
from licensing.services.transfer import (
    transfer_accept,
    transfer_offer,
    transfer_withdraw,
)

__all__ = [
    "FINGERPRINT_PURPOSE",
    "LIVE",
    "activation_create",
    "activation_deactivate",
    "activation_heartbeat",
    "activation_release",
    "activations_release_dead",
    "agreement_accept",
    "agreement_announce",
    "agreement_publish",
    "announcement_done",
    "announcement_queue",
    "announcements_requeue",
    "cancellation_eligible",
    "deemed_accepted_at_renewal",
    "default_notices_send",
    "fingerprint_hash",
    "invoice_create",
    "invoice_numbers",
    "invoice_record_payment",
    "invoice_void",
    "invoices_hold_billing",
    "key_index",
    "license_cancel",
    "license_claim",
    "license_issue",
    "license_issue_by_partner",
    "license_lock",
    "license_recovery_request",
    "license_recovery_send",
    "license_suspend",
    "license_terminate",
    "license_unsuspend",
    "license_withdraw",
    "licenses_block",
    "licenses_terminate_for_breach",
    "licenses_unregister",
    "news_publish",
    "news_send",
    "offline_checkout",
    "offline_file_issue",
    "partner_user_invite",
    "periods_end",
    "registration_confirm",
    "registration_request",
    "registrations_purge_expired",
    "release_notify",
    "release_publish",
    "renewals_remind",
    "signing_key_revoke",
    "signing_key_rotate",
    "signing_keys_purge",
    "sweep_run_record",
    "termination_notice_receive",
    "transfer_accept",
    "transfer_offer",
    "transfer_withdraw",
    "withdrawal_eligible",
]
