"""The one error of the licensing domain: `Refused`, with a code; its message is looked up by code.

The client API sends the code and the English message as `detail` (programs
branch on the code); pages and the admin show the message in the reader's
language. Codes of the API contract (SPEC section 5) come first.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Code(StrEnum):
    # The client API's answers (SPEC section 5).
    VALID = "VALID"
    NOT_FOUND = "NOT_FOUND"
    TRANSFERRED = "TRANSFERRED"
    CANCELLED = "CANCELLED"
    TERMINATED = "TERMINATED"
    EXPIRED = "EXPIRED"
    SUSPENDED = "SUSPENDED"
    PRODUCT_SCOPE_MISMATCH = "PRODUCT_SCOPE_MISMATCH"
    VERSION_SCOPE_MISMATCH = "VERSION_SCOPE_MISMATCH"
    TOO_MANY_MACHINES = "TOO_MANY_MACHINES"
    NO_MACHINE = "NO_MACHINE"
    FINGERPRINT_SCOPE_MISMATCH = "FINGERPRINT_SCOPE_MISMATCH"
    HEARTBEAT_DEAD = "HEARTBEAT_DEAD"
    INVALID_REQUEST = "INVALID_REQUEST"
    RATE_LIMITED = "RATE_LIMITED"
    ALREADY_REGISTERED = "ALREADY_REGISTERED"
    MACHINE_CHECKED_OUT = "MACHINE_CHECKED_OUT"
    # Refusals of the lifecycle's changes (admin, portal, commands).
    NOT_ACTIVE = "NOT_ACTIVE"
    NOT_SUSPENDED = "NOT_SUSPENDED"
    BLOCKED_FOR_PAYMENT = "BLOCKED_FOR_PAYMENT"
    ALREADY_ENDED = "ALREADY_ENDED"
    NOTICE_ALREADY_GIVEN = "NOTICE_ALREADY_GIVEN"
    WITHDRAWAL_NOT_ALLOWED = "WITHDRAWAL_NOT_ALLOWED"
    CANCELLATION_NOT_ALLOWED = "CANCELLATION_NOT_ALLOWED"
    INVOICE_NOT_OPEN = "INVOICE_NOT_OPEN"
    INVOICE_OPEN = "INVOICE_OPEN"
    NOT_TRANSFERABLE = "NOT_TRANSFERABLE"
    OFFER_INVALID = "OFFER_INVALID"
    TRANSFER_TO_OWNER = "TRANSFER_TO_OWNER"
    AGREEMENT_NOT_ACCEPTED = "AGREEMENT_NOT_ACCEPTED"
    AGREEMENT_CHANGED = "AGREEMENT_CHANGED"
    PREPAID_UNPAID = "PREPAID_UNPAID"
    # Refusals of the customer portal.
    AGE_NOT_CONFIRMED = "AGE_NOT_CONFIRMED"
    UNDER_MINIMUM_AGE = "UNDER_MINIMUM_AGE"
    # Refusals of partner invitations.
    PARTNER_USER_ELSEWHERE = "PARTNER_USER_ELSEWHERE"
    PARTNER_USER_IS_CUSTOMER = "PARTNER_USER_IS_CUSTOMER"
    PARTNER_USER_HAS_ROLE = "PARTNER_USER_HAS_ROLE"
    # Refusals of the Keygen-compatible endpoints (`licensing.keygen`).
    FINGERPRINT_TAKEN = "FINGERPRINT_TAKEN"
    FINGERPRINT_UNKNOWN = "FINGERPRINT_UNKNOWN"


# The codes the client API answers with (the rest are refusals of people's changes).
API_CODES = (
    Code.VALID,
    Code.NOT_FOUND,
    Code.TRANSFERRED,
    Code.CANCELLED,
    Code.TERMINATED,
    Code.EXPIRED,
    Code.SUSPENDED,
    Code.PRODUCT_SCOPE_MISMATCH,
    Code.VERSION_SCOPE_MISMATCH,
    Code.TOO_MANY_MACHINES,
    Code.NO_MACHINE,
    Code.FINGERPRINT_SCOPE_MISMATCH,
    Code.HEARTBEAT_DEAD,
    Code.INVALID_REQUEST,
    Code.RATE_LIMITED,
    Code.ALREADY_REGISTERED,
    Code.MACHINE_CHECKED_OUT,
)

MESSAGES = {
    Code.VALID: _("The license is valid."),
    Code.NOT_FOUND: _("No such license key (or machine)."),
    Code.TRANSFERRED: _("This key was replaced when the license was transferred."),
    Code.CANCELLED: _("The license was cancelled."),
    Code.TERMINATED: _("The license was terminated."),
    Code.EXPIRED: _("The license term has ended."),
    Code.SUSPENDED: _("The license is suspended."),
    Code.PRODUCT_SCOPE_MISMATCH: _("The license is for another product."),
    Code.VERSION_SCOPE_MISMATCH: _("The license does not cover this major version."),
    Code.TOO_MANY_MACHINES: _("More machines than the license has seats."),
    Code.NO_MACHINE: _("No machine is activated on this license."),
    Code.FINGERPRINT_SCOPE_MISMATCH: _("This machine is not activated on the license."),
    Code.HEARTBEAT_DEAD: _("This machine missed its heartbeats."),
    Code.INVALID_REQUEST: _("The request is malformed."),
    Code.RATE_LIMITED: _("Too many requests; retry later."),
    Code.ALREADY_REGISTERED: _("This license is registered already."),
    Code.MACHINE_CHECKED_OUT: _(
        "A machine holds an unexpired offline license file: "
        "its seat frees only when the file expires."
    ),
    Code.NOT_ACTIVE: _("Only an active license can be suspended."),
    Code.NOT_SUSPENDED: _("Only a suspended license can be unsuspended."),
    Code.BLOCKED_FOR_PAYMENT: _(
        "This license is blocked for an unpaid invoice: record the payment "
        "or void the invoice to restore access."
    ),
    Code.ALREADY_ENDED: _("This license has already ended."),
    Code.NOTICE_ALREADY_GIVEN: _("Notice has already been given for this license."),
    Code.WITHDRAWAL_NOT_ALLOWED: _(
        "The 14-day withdrawal period has ended, or this license cannot be withdrawn."
    ),
    Code.CANCELLATION_NOT_ALLOWED: _(
        "Only a license never installed can be cancelled, within 14 days of purchase."
    ),
    Code.INVOICE_NOT_OPEN: _("Only an open invoice can be paid or voided."),
    Code.INVOICE_OPEN: _("A license with an open invoice cannot be transferred."),
    Code.NOT_TRANSFERABLE: _("Only an active license can be transferred."),
    Code.OFFER_INVALID: _("This transfer offer is no longer valid."),
    Code.TRANSFER_TO_OWNER: _(
        "This license is already registered to that address. "
        "Enter the email address of the new owner."
    ),
    Code.AGREEMENT_NOT_ACCEPTED: _("The license agreement must be accepted."),
    Code.PARTNER_USER_ELSEWHERE: _("This address belongs to another partner's staff."),
    Code.PARTNER_USER_HAS_ROLE: _(
        "This address is a superuser's, vendor staff's or a data protection "
        "officer's: a partner user needs an address of their own."
    ),
    Code.PARTNER_USER_IS_CUSTOMER: _(
        "This address is a customer's login: a partner user needs an address of their own."
    ),
    Code.AGREEMENT_CHANGED: _(
        "The license agreement has changed since this page was shown: "
        "read the current version and accept it."
    ),
    Code.PREPAID_UNPAID: _("A prepaid plan is issued only once paid."),
    Code.FINGERPRINT_TAKEN: _("This machine is activated on the license already."),
    Code.FINGERPRINT_UNKNOWN: _(
        "This machine was not activated through the Keygen-compatible API, so its "
        "fingerprint was not kept: activate it through that API to check out an "
        "encrypted machine file."
    ),
    Code.AGE_NOT_CONFIRMED: _(
        "This plan has a minimum age: say whether you have reached it."
    ),
    Code.UNDER_MINIMUM_AGE: _(
        "This plan cannot be registered by someone younger than its minimum age. "
        "Nothing was stored."
    ),
}

# Why a license is suspended, as the client and the registrant are told
# (keys: License.SuspendedFor values).
SUSPENSION_MESSAGES = {
    "payment": _("The license is suspended for an unpaid invoice."),
    "vendor": _("The license is suspended by the vendor."),
}


class Refused(Exception):
    """A licensing request or change that does not apply; `code` says why.

    `message` is for people (in the active language), `detail` for the client
    API (English). A suspension may say why (`suspended_for`).
    """

    def __init__(
        self,
        code: Code,
        *,
        suspended_for: str = "",
        extra=None,
        retry_after: int | None = None,
    ):
        self.code = Code(code)
        self.suspended_for = suspended_for
        self.extra = extra or {}  # facts the answer carries (e.g. when a seat frees)
        self.retry_after = retry_after  # seconds, with RATE_LIMITED
        super().__init__(self.code)

    @property
    def message(self):
        return message_for(self.code, suspended_for=self.suspended_for)

    @property
    def detail(self) -> str:
        return api_detail(self.code, suspended_for=self.suspended_for)


def message_for(code: Code, *, suspended_for: str = ""):
    if code == Code.SUSPENDED and suspended_for in SUSPENSION_MESSAGES:
        return SUSPENSION_MESSAGES[suspended_for]
    return MESSAGES[code]


@cache
def api_detail(code: Code, *, suspended_for: str = "") -> str:
    """The English message sent as the API's `detail` (cached: validate is hot)."""
    with translation.override("en"):
        return str(message_for(code, suspended_for=suspended_for))
