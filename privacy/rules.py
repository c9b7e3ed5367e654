"""The data protection officer's deadlines, as pure functions (no database).

A request is answered within one month of receipt (GDPR Art. 12(3)); the DPO may
extend it by up to two further months. The month is counted as the law counts
it: the same date in the month the period ends, or that month's last day when
the date does not exist there; a deadline on a weekend or a Norwegian public
holiday moves to the next working day.
"""

import calendar
from datetime import date, timedelta
from functools import cache

import holidays

MAX_EXTENSION_MONTHS = 2


def add_months(day: date, months: int) -> date:
    """The same date `months` later, or that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@cache
def _norwegian_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NO", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _norwegian_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first one after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def request_due_date(received_on: date, extension_months: int = 0) -> date:
    """When the answer to a request received on `received_on` is due: one
    month later plus the extension (0 to 2 months), counted from the receipt,
    moved past weekends and Norwegian public holidays."""
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(
            f"An extension is 0 to {MAX_EXTENSION_MONTHS} months, not {extension_months}."
        )
    return next_working_day(add_months(received_on, 1 + extension_months))
