"""Report periods: the presets a manager picks from, a custom range, and the period a
figure is compared with.

The comparison period follows the preset's own calendar unit, because that is what
people compare in their heads: "this month so far" (1-23 November) against the same
days of the previous month (1-23 October), "last quarter" against the quarter before,
"year to date" against the same dates last year. Rolling presets (last 30 days...)
and custom ranges compare with the same number of days immediately before. Month
ends are clamped (31 March - 1 month = 28/29 February).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

PRESETS = {
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "this_quarter": _("This quarter"),
    "last_quarter": _("Last quarter"),
    "this_year": _("Year to date"),
    "last_year": _("Last year"),
    "last_30_days": _("Last 30 days"),
    "last_90_days": _("Last 90 days"),
    "last_12_months": _("Last 12 months"),
    "custom": _("Custom range"),
}
DEFAULT_PRESET = "this_month"
# Longest custom range: ten years keeps a daily chart and the queries bounded.
MAX_DAYS = 3660
# Custom ranges stay within these years: the comparison periods (the one before,
# the same one a year earlier) and the day after the end must exist in the calendar,
# which a range at 0001-01-01 or 9999-12-31 would leave.
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str
    # How to step back to the comparison period: whole calendar months, or days.
    step_months: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.step_months:
            step = relativedelta(months=self.step_months)
            start = self.start - step
            # A whole month/quarter/year compares with the whole one before it; a
            # "to date" period with the same days (clamped to the month's end).
            if self.end == _period_end(self.start, self.step_months):
                end = _period_end(start, self.step_months)
            else:
                end = self.end - step
            return Period(start, end, _("previous period"), self.step_months)
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end, _("previous period"))

    def same_period_last_year(self) -> Period:
        step = relativedelta(years=1)
        return Period(self.start - step, self.end - step, _("a year earlier"))

    def __str__(self) -> str:
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


def _period_end(start: date, months: int) -> date:
    return start + relativedelta(months=months) - timedelta(days=1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset_period(preset: str, *, today: date) -> Period:
    """The period a preset names, as of ``today``. KeyError for an unknown preset."""
    label = str(PRESETS[preset])
    month_start = today.replace(day=1)
    if preset == "this_month":
        return Period(month_start, today, label, 1)
    if preset == "last_month":
        start = month_start - relativedelta(months=1)
        return Period(start, month_start - timedelta(days=1), label, 1)
    if preset == "this_quarter":
        return Period(_quarter_start(today), today, label, 3)
    if preset == "last_quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return Period(_quarter_start(end), end, label, 3)
    if preset == "this_year":
        return Period(date(today.year, 1, 1), today, label, 12)
    if preset == "last_year":
        year = today.year - 1
        return Period(date(year, 1, 1), date(year, 12, 31), label, 12)
    if preset in ("last_30_days", "last_90_days"):
        days = 30 if preset == "last_30_days" else 90
        return Period(today - timedelta(days=days - 1), today, label)
    if preset == "last_12_months":
        # Twelve whole months ending with the last complete one: a year of shape,
        # no half-month at the end to misread as a drop.
        return Period(
            month_start - relativedelta(months=12),
            month_start - timedelta(days=1),
            label,
            12,
        )
    raise KeyError(preset)


def custom_period(start: date, end: date) -> Period:
    return Period(start, end, str(PRESETS["custom"]))
