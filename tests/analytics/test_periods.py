from datetime import date

import pytest

from analytics.forms import ReportFilterForm
from analytics.periods import custom_period, preset_period
from tests.sms.factories import ManagerFactory, RepFactory

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("preset", "period", "previous"),
    [
        # "So far" periods compare with the same days of the unit before.
        ("this_month", ("2026-11-01", "2026-11-23"), ("2026-10-01", "2026-10-23")),
        ("last_month", ("2026-10-01", "2026-10-31"), ("2026-09-01", "2026-09-30")),
        ("this_quarter", ("2026-10-01", "2026-11-23"), ("2026-07-01", "2026-08-23")),
        ("last_quarter", ("2026-07-01", "2026-09-30"), ("2026-04-01", "2026-06-30")),
        ("this_year", ("2026-01-01", "2026-11-23"), ("2025-01-01", "2025-11-23")),
        ("last_year", ("2025-01-01", "2025-12-31"), ("2024-01-01", "2024-12-31")),
        ("last_30_days", ("2026-10-25", "2026-11-23"), ("2026-09-25", "2026-10-24")),
        ("last_90_days", ("2026-08-26", "2026-11-23"), ("2026-05-28", "2026-08-25")),
        ("last_12_months", ("2025-11-01", "2026-10-31"), ("2024-11-01", "2025-10-31")),
    ],
)
def test_presets_and_their_comparison_periods(preset, period, previous):
    chosen = preset_period(preset, today=TODAY)
    assert (chosen.start.isoformat(), chosen.end.isoformat()) == period
    before = chosen.previous()
    assert (before.start.isoformat(), before.end.isoformat()) == previous


def test_month_ends_are_clamped_and_whole_months_compare_whole():
    # 31 March so far -> 1-28 February (no 31 February).
    march = preset_period("this_month", today=date(2026, 3, 31))
    assert (march.previous().start, march.previous().end) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    # Last month = February: compared with all of January (31 days).
    february = preset_period("last_month", today=date(2026, 3, 15))
    assert (february.previous().start, february.previous().end) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
    )


def test_custom_range_compares_with_the_same_number_of_days_before():
    period = custom_period(date(2026, 3, 1), date(2026, 3, 31))
    assert period.days == 31
    assert (period.previous().start, period.previous().end) == (
        date(2026, 1, 29),
        date(2026, 2, 28),
    )
    assert period.same_period_last_year().start == date(2025, 3, 1)


@pytest.mark.django_db
def test_filter_form_errors_sit_next_to_their_fields_and_fall_back_to_the_default():
    manager = ManagerFactory()
    form = ReportFilterForm(
        {"period": "custom", "start": "2026-03-31", "end": "2026-03-01"}, user=manager
    )
    assert not form.is_valid()
    assert form.errors["end"] == ["The end is before the start."]
    assert form.report_period(today=TODAY) == preset_period("this_month", today=TODAY)

    form = ReportFilterForm({"period": "custom", "start": "2026-03-01"}, user=manager)
    assert form.errors["end"] == ["Choose the last day of the range."]

    form = ReportFilterForm(
        {"period": "custom", "start": "garbage", "end": "2026-03-01"}, user=manager
    )
    assert form.errors["start"] == ["Enter a valid date."]  # one message, not two

    form = ReportFilterForm({"period": "next_century"}, user=manager)
    assert "period" in form.errors


@pytest.mark.django_db
def test_dates_alone_mean_a_custom_range_and_reps_get_no_rep_filter():
    manager, rep = ManagerFactory(), RepFactory()
    form = ReportFilterForm(
        {"start": "2026-01-01", "end": "2026-01-31"}, user=manager, fields=("rep",)
    )
    period = form.report_period(today=TODAY)
    assert (period.start, period.end) == (date(2026, 1, 1), date(2026, 1, 31))
    assert "rep" in form.fields
    assert "rep" not in ReportFilterForm({}, user=rep, fields=("rep",)).fields
