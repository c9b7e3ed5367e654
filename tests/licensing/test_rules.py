from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from licensing import rules
from licensing.api.serializers import CheckoutRequest
from licensing.rules import (
    block_date,
    breach_date,
    due_date,
    initial_period,
    next_period,
    notice_deadline,
    termination_effective_date,
    withdrawal_deadline,
)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31))


@pytest.mark.parametrize(
    ("purchase", "months", "end"),
    [
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
        (date(2023, 2, 28), 12, date(2024, 2, 28)),
        (date(2026, 8, 31), 18, date(2028, 2, 29)),
    ],
)
def test_initial_period_runs_for_the_term_clamped_at_month_ends(purchase, months, end):
    assert initial_period(purchase, months) == (purchase, end)


@pytest.mark.parametrize(
    ("period_end", "following"),
    [
        (date(2027, 3, 15), (date(2027, 3, 15), date(2028, 3, 15))),
        (date(2025, 2, 28), (date(2025, 2, 28), date(2026, 2, 28))),
        (date(2028, 2, 29), (date(2028, 2, 29), date(2029, 2, 28))),
    ],
)
def test_next_period_starts_where_the_last_ended(period_end, following):
    assert next_period(period_end) == following


@pytest.mark.parametrize(
    ("period_end", "deadline"),
    [
        (date(2027, 3, 15), date(2027, 2, 15)),
        (date(2027, 3, 31), date(2027, 2, 28)),
        (date(2028, 3, 31), date(2028, 2, 29)),
        (date(2027, 1, 10), date(2026, 12, 10)),
    ],
)
def test_notice_deadline_is_one_month_before_the_period_end(period_end, deadline):
    assert notice_deadline(period_end) == deadline


def test_notice_on_the_deadline_ends_the_agreement_at_period_end():
    end = date(2027, 3, 15)
    assert termination_effective_date(end, date(2027, 2, 15)) == end


def test_late_notice_ends_after_following_period():
    end = date(2027, 3, 15)
    assert termination_effective_date(end, date(2027, 2, 16)) == date(2028, 3, 15)


def test_invoice_dates():
    assert due_date(date(2026, 12, 20)) == date(2027, 1, 4)
    assert breach_date(date(2027, 1, 4)) == date(2027, 2, 4)  # more than 30 days late
    assert withdrawal_deadline(date(2026, 2, 20)) == date(2026, 3, 6)


def test_block_date_follows_the_configured_grace(settings):
    assert block_date(date(2026, 5, 1)) == date(2026, 5, 8)
    settings.BLOCK_GRACE_DAYS = 10
    assert block_date(date(2026, 5, 1)) == date(2026, 5, 11)


@given(dates, st.integers(12, 36))
def test_a_period_is_never_empty_and_ends_on_or_before_the_same_day_number(
    purchase, months
):
    start, end = initial_period(purchase, months)
    assert start == purchase < end
    assert end.day <= purchase.day
    assert (end.year - start.year) * 12 + end.month - start.month == months


@given(dates, st.integers(1, 20))
def test_renewals_chain_without_gaps_or_overlaps(purchase, renewals):
    period = initial_period(purchase, 12)
    for _ in range(renewals):
        following = next_period(period[1])
        assert following[0] == period[1]
        assert 365 <= (following[1] - following[0]).days <= 366
        period = following


@given(dates)
def test_notice_exactly_on_the_deadline_and_one_day_after(period_end):
    deadline = notice_deadline(period_end)
    assert deadline < period_end
    assert termination_effective_date(period_end, deadline) == period_end
    later = termination_effective_date(period_end, deadline + timedelta(days=1))
    assert later == next_period(period_end)[1]


@given(dates)
def test_payment_default_dates_are_ordered(invoice_date):
    due = due_date(invoice_date)
    notice = due + timedelta(days=1)
    assert invoice_date < due < notice < block_date(notice) < breach_date(due)
    assert (breach_date(due) - due).days == 31


@given(dates)
def test_withdrawal_is_possible_on_day_14_and_not_15(received):
    deadline = withdrawal_deadline(received)
    assert deadline == received + timedelta(days=14)


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ("7", 7),
        ("7.2", 7),
        ("7.2.1", 7),
        ("12.0.0-beta.1", 12),
        ("7+build.5", 7),
        ("07", 7),
    ],
)
def test_version_major(text, major):
    assert rules.version_major(text) == major


@pytest.mark.parametrize(
    "text", ["", "v7", "7.", "7.1.2.3", "seven", "7 ", "-7", "7.x", None, 7]
)
def test_malformed_versions_are_refused(text):
    with pytest.raises(ValueError):
        rules.version_major(text)


# The sweep selects with the inverse of each date rule: a row is due on `day`
# exactly when the rule's date has come.


@given(dates, dates)
def test_the_block_cutoff_is_the_inverse_of_the_block_date(notice_sent_on, day):
    assert (notice_sent_on <= rules.block_notice_cutoff(day)) == (
        day >= block_date(notice_sent_on)
    )


@given(dates, dates)
def test_the_breach_cutoff_is_the_inverse_of_the_breach_date(due_on, day):
    assert (due_on <= rules.breach_due_cutoff(day)) == (day >= breach_date(due_on))


@given(dates, dates)
def test_the_reminder_horizon_is_the_inverse_of_the_reminder_date(period_end, day):
    assert (period_end <= rules.reminder_horizon(day)) == (
        day >= rules.reminder_date(period_end)
    )


def test_the_offline_lifetime_is_one_constant_for_files_and_retired_keys():
    ttl = CheckoutRequest().fields["ttl"]
    assert ttl.max_value == rules.OFFLINE_MAX_SECONDS == 90 * 24 * 3600
