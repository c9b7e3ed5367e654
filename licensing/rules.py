"""The license agreement's rules as pure functions: no database, dates in, dates out.

Periods are half-open: `(start, end)` ends when `end` begins, and the next one
starts at `end`. Months are calendar months clamped at month ends.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from django.conf import settings

RENEWAL_MONTHS = 12
INVOICE_DUE_DAYS = 15
BREACH_AFTER_DAYS = 30
WITHDRAWAL_DAYS = 14
# The longest life of an offline license file (90 days); a signing key retired
# longer ago has nothing left to verify.
OFFLINE_MAX_SECONDS = 90 * 24 * 3600


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def initial_period(purchase_date: date, months: int) -> tuple[date, date]:
    """The first period: from the purchase date for the plan's initial term."""
    return purchase_date, add_months(purchase_date, months)


def next_period(period_end: date) -> tuple[date, date]:
    """The 12-month renewal period that starts where the last one ended."""
    return period_end, add_months(period_end, RENEWAL_MONTHS)


def notice_deadline(period_end: date) -> date:
    """The last day on which notice ends the agreement at `period_end`."""
    return add_months(period_end, -1)


def termination_effective_date(period_end: date, received_on: date) -> date:
    """When notice received on `received_on` ends the agreement.

    On or before the deadline: at `period_end`; later: at the end of the
    following period.
    """
    if received_on <= notice_deadline(period_end):
        return period_end
    return next_period(period_end)[1]


def reminder_date(period_end: date) -> date:
    """The day the renewal reminder is due (RENEWAL_REMINDER_DAYS before the period end)."""
    return period_end - timedelta(days=settings.RENEWAL_REMINDER_DAYS)


def reminder_horizon(day: date) -> date:
    """The latest period end whose renewal reminder is due on `day` (see `reminder_date`)."""
    return day + timedelta(days=settings.RENEWAL_REMINDER_DAYS)


def due_date(invoice_date: date) -> date:
    return invoice_date + timedelta(days=INVOICE_DUE_DAYS)


def block_date(notice_sent_on: date) -> date:
    """The first day access may be blocked after a payment-default notice."""
    return notice_sent_on + timedelta(days=settings.BLOCK_GRACE_DAYS)


def block_notice_cutoff(day: date) -> date:
    """The latest notice date that allows a block on `day` (see `block_date`)."""
    return day - timedelta(days=settings.BLOCK_GRACE_DAYS)


def breach_date(due_date: date) -> date:
    """The first day an unpaid invoice is a material breach (more than 30 days late)."""
    return due_date + timedelta(days=BREACH_AFTER_DAYS + 1)


def breach_due_cutoff(day: date) -> date:
    """The latest due date whose unpaid invoice is a breach on `day` (see `breach_date`)."""
    return day - timedelta(days=BREACH_AFTER_DAYS + 1)


def withdrawal_deadline(received_on: date) -> date:
    """The last day of the cooling-off period (14 calendar days after receipt)."""
    return received_on + timedelta(days=WITHDRAWAL_DAYS)


_VERSION = re.compile(r"([0-9]{1,9})(?:\.[0-9]{1,9}){0,2}(?:[-+][0-9A-Za-z.+-]*)?")


def version_major(text: str) -> int:
    """The major number of `MAJOR[.MINOR[.PATCH]][-suffix|+suffix]`, or ValueError."""
    if not isinstance(text, str) or not _VERSION.fullmatch(text):
        raise ValueError("A version is MAJOR[.MINOR[.PATCH]] in digits.")
    return int(text.split(".", 1)[0].split("-", 1)[0].split("+", 1)[0])


# --- Validation ----------------------------------------------------------------

STATUS_CODES = {
    "transferred": "TRANSFERRED",
    "cancelled": "CANCELLED",
    "terminated": "TERMINATED",
    "expired": "EXPIRED",
    "suspended": "SUSPENDED",
}


def fixed_term_over(*, renewal: str, period_end: date, today: date) -> bool:
    """A fixed term has ended on its period end, whether or not the sweep has run."""
    return renewal == "fixed" and today >= period_end


def license_refusal(
    *,
    status: str,
    product: str,
    entitled_major: int,
    seats: int,
    machines: int,
    asked_product: str | None = None,
    asked_major: int | None = None,
    term_over: bool = False,
) -> str | None:
    """The first code that makes the license itself unusable, or None.

    NOT_FOUND is the caller's (no license at all); machine-level codes follow.
    A live license whose fixed term is over (`term_over`) is EXPIRED already.
    """
    if term_over and status in ("active", "suspended"):
        status = "expired"
    if status in STATUS_CODES:
        return STATUS_CODES[status]
    if asked_product is not None and asked_product != product:
        return "PRODUCT_SCOPE_MISMATCH"
    if asked_major is not None and asked_major != entitled_major:
        return "VERSION_SCOPE_MISMATCH"
    if machines > seats:
        return "TOO_MANY_MACHINES"
    return None


def known_end_day(
    *, renewal: str, period_end: date, termination_effective_on: date | None
) -> date | None:
    """The day the license surely ends on, if known: a fixed term's end, or the
    day a termination notice takes effect. A rolling license renews: unknown."""
    ends = [period_end] if renewal == "fixed" else []
    if termination_effective_on is not None:
        ends.append(termination_effective_on)
    return min(ends) if ends else None


def heartbeat_deadline(last_heartbeat, interval_seconds: int | None):
    """When a machine on a heartbeat plan is dead; None when the plan is node-locked."""
    if interval_seconds is None:
        return None
    return last_heartbeat + timedelta(
        seconds=interval_seconds + settings.HEARTBEAT_GRACE_SECONDS
    )


def machine_code(*, machines: int, found: bool, deadline, now) -> str:
    """The code for a fingerprint once the license itself is usable."""
    if machines == 0:
        return "NO_MACHINE"
    if not found:
        return "FINGERPRINT_SCOPE_MISMATCH"
    if deadline is not None and now >= deadline:
        return "HEARTBEAT_DEAD"
    return "VALID"
