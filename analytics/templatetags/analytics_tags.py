from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()

STATUS_BADGES = {
    "queued": "text-bg-secondary",
    "running": "text-bg-primary",
    "succeeded": "text-bg-success",
    "failed": "text-bg-danger",
}


@register.filter
def duration_text(value: timedelta | None) -> str:
    """A run's duration, short: "45 s", "3 min 5 s", "2 h 4 min"; "" if none."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


@register.filter
def attempt_text(run) -> str:
    """What the page says about a job's attempts: "" for a first attempt; else
    which attempt this is and why, e.g. "Attempt 2 of 3, restarted at 03/12/2026
    3:32 p.m. because the previous worker stopped (no heartbeat for 60 s)."."""
    values = {
        "attempt": run.attempt,
        "next": run.attempt + 1,
        "max": settings.SMS_JOB_MAX_ATTEMPTS,
        "reason": run.retry_reason or _("the previous attempt did not finish"),
    }
    if run.status == run.Status.QUEUED and run.retry_reason:
        return (
            _(
                "Attempt %(attempt)d of %(max)d did not finish: %(reason)s. Attempt "
                "%(next)d starts when a worker is free."
            )
            % values
        )
    if run.attempt <= 1:
        return ""
    values["at"] = (
        formats.date_format(timezone.localtime(run.started_at), "SHORT_DATETIME_FORMAT")
        if run.started_at
        else ""
    )
    return (
        _("Attempt %(attempt)d of %(max)d, restarted at %(at)s because %(reason)s.")
        % values
    )


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-secondary")


@register.inclusion_tag("analytics/_nav.html", takes_context=True)
def analytics_nav(context, active: str) -> dict:
    from analytics.reports import REPORTS

    return {
        "active": active,
        "analytics_reports": REPORTS.values(),
        "perms": context.get("perms"),
    }


@register.simple_tag
def kpi_value(value, kind: str) -> str:
    """A tile's figure, formatted as the report tables format their cells."""
    from analytics.tables import cell_text

    return cell_text(value, kind, settings.SMS_CURRENCY)


@register.filter
def month_ranges(ranges) -> str:
    """Missing driver months as ranges, e.g. "Jan 2026 to Mar 2026" with an en dash."""
    parts = []
    for first, last in ranges:
        if first == last:
            parts.append(f"{first:%b %Y}")
        else:
            parts.append(f"{first:%b %Y} \u2013 {last:%b %Y}")
    return ", ".join(parts)


@register.filter
def plain_number(value) -> str:
    """A driver value for the grid: 12500.0000 reads "12,500", 0.2500 "0.25"."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():,f}"


@register.filter
def percent(share, digits: int = 1) -> str:
    """A share (0.6988) as a percentage with ``digits`` decimals ("69.9 %"); empty
    for none."""
    if share in (None, ""):
        return ""
    # Rounded half-up first: number_format cuts a float's decimals off.
    places = Decimal(1).scaleb(-int(digits))
    number = (Decimal(repr(float(share))) * 100).quantize(places, ROUND_HALF_UP)
    return f"{formats.number_format(number, int(digits))} %"


@register.filter
def significant(number, digits: int = 4) -> str:
    """A fitted parameter to ``digits`` significant digits, without an exponent
    (1.026, 0.01437, 30,470, 0.000006144); empty for none."""
    if number in (None, ""):
        return ""
    rounded = Decimal(f"{float(number):.{int(digits)}g}")
    places = max(0, -rounded.as_tuple().exponent)
    return formats.number_format(rounded, places, force_grouping=True)
