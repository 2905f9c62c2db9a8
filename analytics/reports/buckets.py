"""Time buckets for reports: the SQL truncation for day / week / month / quarter, the
calendar of buckets a period spans (empty ones included, shown as zero rather than
left out) and their labels."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models.functions import TruncDay, TruncMonth, TruncQuarter, TruncWeek
from django.utils.translation import gettext_lazy as _

from analytics.periods import Period

GRANULARITIES = {
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
}
TRUNC = {
    "day": TruncDay,
    "week": TruncWeek,
    "month": TruncMonth,
    "quarter": TruncQuarter,
}


def granularity_auto(period: Period) -> str:
    if period.days <= 62:
        return "day"
    if period.days <= 190:
        return "week"
    if period.days <= 3 * 366:
        return "month"
    return "quarter"


def bucket_start(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day


def bucket_step(granularity: str):
    return {
        "day": timedelta(days=1),
        "week": timedelta(days=7),
        "month": relativedelta(months=1),
        "quarter": relativedelta(months=3),
    }[granularity]


def buckets(period: Period, granularity: str) -> list[date]:
    """The start of every bucket the period touches, in order."""
    step = bucket_step(granularity)
    current = bucket_start(period.start, granularity)
    starts = []
    while current <= period.end:
        starts.append(current)
        current = current + step
    return starts


def bucket_label(start: date, granularity: str) -> str:
    if granularity == "week":
        return f"Week of {start:%d %b %Y}"
    if granularity == "month":
        return f"{start:%b %Y}"
    if granularity == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return start.isoformat()


def as_date(value) -> date:
    """Trunc* over a DateField gives a date, over a DateTimeField a datetime."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value
