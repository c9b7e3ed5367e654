"""Our codes in Keygen's words: validation codes, and the errors of the other calls.

Validation follows Keygen's order where it differs from ours only in what a
client observes: a license both suspended and past its term says SUSPENDED,
and the machine scope is checked before TOO_MANY_MACHINES. The table in the
README ("Moving from Keygen") lists every mapping; a test keeps it in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from licensing import rules
from licensing.errors import Code
from licensing.selectors.validation import Snapshot

# Our validation code -> Keygen's. A replaced key is no license key any more;
# a cancelled or terminated license has ended, as an expired one has.
VALIDATION = {
    Code.VALID: "VALID",
    Code.NOT_FOUND: "NOT_FOUND",
    Code.TRANSFERRED: "NOT_FOUND",
    Code.CANCELLED: "EXPIRED",
    Code.TERMINATED: "EXPIRED",
    Code.EXPIRED: "EXPIRED",
    Code.SUSPENDED: "SUSPENDED",
    Code.PRODUCT_SCOPE_MISMATCH: "PRODUCT_SCOPE_MISMATCH",
    Code.TOO_MANY_MACHINES: "TOO_MANY_MACHINES",
    Code.NO_MACHINE: "NO_MACHINE",  # NO_MACHINES when the license has seats for more
    Code.FINGERPRINT_SCOPE_MISMATCH: "FINGERPRINT_SCOPE_MISMATCH",
    Code.HEARTBEAT_DEAD: "HEARTBEAT_DEAD",
}
# Keygen's scopes carry no version: VERSION_SCOPE_MISMATCH cannot arise here.
ENTITLEMENTS_MISSING = "ENTITLEMENTS_MISSING"  # we keep no entitlements


@dataclass(frozen=True)
class KeygenError:
    status: int
    code: str | None
    title: str


# Our refusals (and Keygen's own errors) -> Keygen's status, code and title.
ERRORS = {
    "LICENSE_INVALID": KeygenError(401, "LICENSE_INVALID", "Unauthorized"),
    "TOKEN_INVALID": KeygenError(401, "TOKEN_INVALID", "Unauthorized"),
    "UNAUTHORIZED": KeygenError(401, None, "Unauthorized"),
    "FORBIDDEN": KeygenError(403, None, "Access denied"),
    Code.NOT_FOUND: KeygenError(404, "NOT_FOUND", "Not found"),
    Code.TRANSFERRED: KeygenError(401, "LICENSE_INVALID", "Unauthorized"),
    Code.SUSPENDED: KeygenError(403, "LICENSE_SUSPENDED", "Access denied"),
    Code.EXPIRED: KeygenError(403, "LICENSE_EXPIRED", "Access denied"),
    Code.CANCELLED: KeygenError(403, "LICENSE_EXPIRED", "Access denied"),
    Code.TERMINATED: KeygenError(403, "LICENSE_EXPIRED", "Access denied"),
    Code.TOO_MANY_MACHINES: KeygenError(
        422, "MACHINE_LIMIT_EXCEEDED", "Unprocessable resource"
    ),
    Code.FINGERPRINT_TAKEN: KeygenError(
        422, "FINGERPRINT_TAKEN", "Unprocessable resource"
    ),
    Code.HEARTBEAT_DEAD: KeygenError(
        422, "MACHINE_HEARTBEAT_DEAD", "Unprocessable resource"
    ),
    Code.MACHINE_CHECKED_OUT: KeygenError(
        422, "MACHINE_CHECKED_OUT", "Unprocessable resource"
    ),
    Code.FINGERPRINT_UNKNOWN: KeygenError(
        422, "FINGERPRINT_UNKNOWN", "Unprocessable resource"
    ),
    Code.INVALID_REQUEST: KeygenError(400, "PARAMETER_INVALID", "Bad request"),
    "METHOD_NOT_ALLOWED": KeygenError(405, None, "Method not allowed"),
    "TOO_LARGE": KeygenError(413, "PARAMETER_INVALID", "Request entity too large"),
    Code.RATE_LIMITED: KeygenError(429, "TOO_MANY_REQUESTS", "Too many requests"),
}


def keygen_code(code: Code, *, seats: int) -> str:
    if code == Code.NO_MACHINE and seats > 1:
        return "NO_MACHINES"
    return VALIDATION[code]


def validation(
    snapshot: Snapshot | None,
    *,
    fingerprint_given: bool,
    asked_product: str | None = None,
    entitlements: bool = False,
    now: datetime | None = None,
) -> str:
    """Keygen's validation code for this snapshot, in Keygen's order of checks."""
    if snapshot is None:
        return "NOT_FOUND"
    now = now or timezone.now()
    status = snapshot.status
    if status == "transferred":
        return "NOT_FOUND"
    if status == "suspended":
        return "SUSPENDED"
    term_over = rules.fixed_term_over(
        renewal=snapshot.renewal,
        period_end=snapshot.period_end,
        today=timezone.localdate(now),
    )
    if status in ("cancelled", "terminated", "expired") or term_over:
        return "EXPIRED"
    if asked_product is not None and asked_product not in product_ids(snapshot):
        return "PRODUCT_SCOPE_MISMATCH"
    if fingerprint_given:
        machine = rules.machine_code(
            machines=snapshot.machines,
            found=snapshot.activation_id is not None,
            deadline=snapshot.heartbeat_deadline(),
            now=now,
        )
        if machine != Code.VALID:
            return keygen_code(Code(machine), seats=snapshot.seats)
    if entitlements:
        return ENTITLEMENTS_MISSING
    if snapshot.machines > snapshot.seats:
        return "TOO_MANY_MACHINES"
    return "VALID"


def product_ids(snapshot: Snapshot) -> set[str]:
    """What a product scope may name: the Keygen product id the vendor set, or our slug."""
    ids = {snapshot.product}
    if snapshot.product_keygen_id:
        ids.add(snapshot.product_keygen_id)
    return ids


DETAILS = {
    "VALID": "is valid",
    "NOT_FOUND": "does not exist",
    "SUSPENDED": "is suspended",
    "EXPIRED": "is expired",
    "PRODUCT_SCOPE_MISMATCH": "product scope does not match",
    "NO_MACHINE": "must have exactly 1 associated machine",
    "NO_MACHINES": "must have at least 1 associated machine",
    "FINGERPRINT_SCOPE_MISMATCH": "fingerprint is not activated (does not match any associated machines)",
    "HEARTBEAT_DEAD": "machine heartbeat is dead",
    "ENTITLEMENTS_MISSING": "is missing one or more required entitlements",
    "TOO_MANY_MACHINES": "has too many associated machines",
}
