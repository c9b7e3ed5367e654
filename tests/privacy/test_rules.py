"""`request_due_date`: one month (plus an extension) counted as the law counts
it, moved past weekends and Norwegian public holidays."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privacy.rules import is_working_day, request_due_date


@pytest.mark.parametrize(
    ("received", "extension", "due"),
    [
        # An ordinary month: the same date, a working day.
        (date(2026, 3, 10), 0, date(2026, 4, 10)),
        # Month ends: the date does not exist, so the month's last day...
        (date(2026, 1, 31), 0, date(2026, 3, 2)),  # 28 Feb, a Saturday -> Mon 2 Mar
        (date(2027, 1, 31), 0, date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday
        (date(2028, 1, 31), 0, date(2028, 2, 29)),  # leap year, a Tuesday
        (date(2026, 3, 31), 0, date(2026, 4, 30)),  # 30 April, a Thursday
        # ... and across the year.
        (date(2026, 12, 15), 0, date(2027, 1, 15)),
        # Weekends.
        (date(2026, 8, 8), 0, date(2026, 9, 8)),
        (date(2026, 9, 5), 0, date(2026, 10, 5)),  # 5 Oct 2026 is a Monday
        (date(2026, 10, 3), 0, date(2026, 11, 3)),
        (date(2026, 6, 13), 0, date(2026, 7, 13)),
        (date(2026, 1, 10), 0, date(2026, 2, 10)),
        (date(2026, 2, 14), 0, date(2026, 3, 16)),  # Sat 14 Mar -> Mon 16 Mar
        # Norwegian public holidays.
        (date(2026, 4, 17), 0, date(2026, 5, 18)),  # 17 May (Sunday) -> Mon 18 May
        (date(2027, 4, 17), 0, date(2027, 5, 18)),  # 17 May 2027 (Monday) -> Tuesday
        (date(2026, 11, 25), 0, date(2026, 12, 28)),  # 25 Dec Fri, 26 Sat, 27 Sun
        (date(2026, 12, 1), 0, date(2027, 1, 4)),  # 1 Jan Fri, then the weekend
        # 25 Mar 2027 is Maundy Thursday: Good Friday, the weekend, Easter Monday.
        (date(2027, 2, 25), 0, date(2027, 3, 30)),
        (date(2026, 4, 5), 0, date(2026, 5, 5)),
        (date(2026, 3, 2), 0, date(2026, 4, 7)),  # 2 Apr Maundy Thu, Good Fri, Easter
        (date(2026, 4, 14), 0, date(2026, 5, 15)),  # 14 May Ascension Day 2026
        # Extensions count from the receipt: + 2 and + 3 months.
        (date(2026, 1, 31), 1, date(2026, 3, 31)),
        (date(2026, 1, 31), 2, date(2026, 4, 30)),
        (date(2026, 11, 30), 2, date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday
    ],
)
def test_examples(received, extension, due):
    assert request_due_date(received, extension) == due


def test_the_weekend_example_is_a_monday():
    # 9 May 2026 is a Saturday: a request received on 9 April is due Monday 11 May.
    assert request_due_date(date(2026, 4, 9)) == date(2026, 5, 11)


@pytest.mark.parametrize("extension", [-1, 3])
def test_an_extension_is_at_most_two_months(extension):
    with pytest.raises(ValueError, match="0 to 2 months"):
        request_due_date(date(2026, 1, 1), extension)


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))


@given(days, st.integers(min_value=0, max_value=2))
def test_the_due_date_is_a_working_day_after_at_least_the_months(received, extension):
    due = request_due_date(received, extension)
    assert is_working_day(due)
    assert due > received
    months = (due.year - received.year) * 12 + due.month - received.month
    # The period's end month, or one later when pushed past a month's end.
    assert 1 + extension <= months <= 2 + extension


@given(days, st.integers(min_value=0, max_value=2))
def test_it_is_never_more_than_a_long_holiday_after_the_plain_date(received, extension):
    due = request_due_date(received, extension)
    # Easter (Thursday to Monday) and a weekend is the longest run of days off.
    month_index = received.month - 1 + 1 + extension
    year, month = received.year + month_index // 12, month_index % 12 + 1
    assert (due.year, due.month) >= (year, month)
    assert (due - date(year, month, 1)).days <= 31 + 5


@given(days, days)
def test_a_later_receipt_is_never_due_earlier(first, second):
    early, late = sorted((first, second))
    assert request_due_date(early) <= request_due_date(late)


@given(days)
def test_an_extension_never_shortens_the_time(received):
    assert (
        request_due_date(received)
        <= request_due_date(received, 1)
        <= request_due_date(received, 2)
    )
