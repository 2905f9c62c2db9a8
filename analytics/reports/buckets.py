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


def bucket_end(start: date, granularity: str) -> date:
    """The last day of the bucket starting on ``start``."""
    return start + bucket_step(granularity) - timedelta(days=1)


def running_day(period: Period, today: date) -> date | None:
    """``today`` when the period reaches it (its figures run to date), else None:
    a period that ended earlier is cut by its own end, not by today."""
    return today if period.start <= today <= period.end else None


def bucket_label(start: date, granularity: str, *, today: date | None = None) -> str:
    """The bucket's name. With ``today`` (see running_day), the week, month or
    quarter holding it is still under way and says so: "Dec 2026 (to date)", so its
    lower figures do not read as a slump. A day is not marked."""
    if granularity == "week":
        label = f"Week of {start:%d %b %Y}"
    elif granularity == "month":
        label = f"{start:%b %Y}"
    elif granularity == "quarter":
        label = f"{start.year} Q{(start.month - 1) // 3 + 1}"
    else:
        return start.isoformat()
    if today is not None and start <= today <= bucket_end(start, granularity):
        label = _("%(bucket)s (to date)") % {"bucket": label}
    return label


def as_date(value) -> date:
    """Trunc* over a DateField gives a date, over a DateTimeField a datetime."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value
