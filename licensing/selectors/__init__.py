"""Every read of the licensing domain that is more than a lookup by id."""

from licensing.selectors.agreements import (
    agreement_current,
    agreement_notices_by,
    agreement_versions_binding_by,
)
from licensing.selectors.due import (
    blocks_due,
    breaches_due,
    default_notices_due,
    period_ends_due,
    reminders_due,
    sweep_last_day,
)
from licensing.selectors.links import (
    license_transfer_offer,
    registration_pending,
    transfer_pending,
)
from licensing.selectors.partners import partner_for_user
from licensing.selectors.portal import (
    customer_invoice,
    customer_license,
    customer_licenses,
    license_dates,
    license_invoices,
    license_machine,
    license_machines,
    termination_effective_on,
)
from licensing.selectors.recipients import (
    agreement_recipients,
    news_recipients,
    release_recipients,
)
from licensing.selectors.validation import (
    Snapshot,
    license_snapshot,
    validation_code,
)

__all__ = [
    "Snapshot",
    "agreement_current",
    "agreement_notices_by",
    "agreement_recipients",
    "agreement_versions_binding_by",
    "blocks_due",
    "breaches_due",
    "customer_invoice",
    "customer_license",
    "customer_licenses",
    "default_notices_due",
    "license_dates",
    "license_invoices",
    "license_machine",
    "license_machines",
    "license_snapshot",
    "license_transfer_offer",
    "news_recipients",
    "partner_for_user",
    "period_ends_due",
    "registration_pending",
    "release_recipients",
    "reminders_due",
    "sweep_last_day",
    "termination_effective_on",
    "transfer_pending",
    "validation_code",
]
