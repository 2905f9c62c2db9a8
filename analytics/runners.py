"""The job runners: what each job kind computes. Registered in analytics.jobs.

A runner is ``runner(job, parameters, progress) -> summary``: it reads through SQL
aggregates (never another app's models' writes), reports ``progress(percent,
message)`` as it goes, and returns a JSON-serialisable summary stored on the run.
Money in summaries is a string (Decimal), never a float.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.jobs import Progress, job_runner_register
from analytics.models import JobRun
from orders.models import Order, OrderLine
from sms.money import money

# Rows fetched per round trip while streaming per-customer aggregates.
CHUNK = 2000


def as_of_date(parameters: dict) -> date:
    """The ``as_of`` parameter (ISO date), today when absent."""
    value = parameters.get("as_of")
    if not value:
        return timezone.localdate()
    return date.fromisoformat(str(value))


def customer_rfm_rows(*, as_of: date):
    """Per customer with a billable order on or before ``as_of``: (customer id,
    recency in days, frequency, monetary). Streamed, ordered by customer id."""
    rows = (
        Order.objects.billable()
        .filter(order_date__lte=as_of)
        .order_by("customer_id")
        .values("customer_id")
        .annotate(
            last=Max("order_date"), frequency=Count("pk"), monetary=Sum("net_total")
        )
        .values_list("customer_id", "last", "frequency", "monetary")
    )
    for customer_id, last, frequency, monetary in rows.iterator(chunk_size=CHUNK):
        yield customer_id, (as_of - last).days, frequency, monetary


@job_runner_register(JobRun.Kind.SEGMENTATION)
def segmentation_run(job: JobRun, parameters: dict, progress: Progress) -> dict:
    as_of = as_of_date(parameters)
    progress(5, _("Reading orders"))
    total = (
        Order.objects.billable()
        .filter(order_date__lte=as_of)
        .values("customer_id")
        .distinct()
        .count()
    )
    rows = []
    for row in customer_rfm_rows(as_of=as_of):
        rows.append(row)
        if len(rows) % CHUNK == 0:
            progress(
                5 + 75 * len(rows) // max(total, 1),
                _("Read %(done)d of %(total)d customers")
                % {"done": len(rows), "total": total},
            )
    progress(80, _("Scoring %(total)d customers") % {"total": len(rows)})
    # TODO(analytics.rfm): score R/F/M 1-5 by quintile of rank and name segments
    # with analytics.rfm, then store the per-customer results for this run (bulk).
    # Until then the run records the aggregates' summary only.
    revenue = sum((row[3] for row in rows), start=Decimal("0.00"))
    summary = {
        "as_of": as_of.isoformat(),
        "customers": len(rows),
        "orders": sum(row[2] for row in rows),
        "revenue": str(money(revenue)),
    }
    progress(100, _("Done"))
    return summary


def history_end_date(as_of: date) -> date:
    """The last day of the last complete month on or before ``as_of``: a month still
    under way would read as a slump at the end of the history."""
    if (as_of + timedelta(days=1)).day == 1:
        return as_of
    return as_of.replace(day=1) - timedelta(days=1)


def monthly_revenue(*, as_of: date | None = None) -> list[tuple[date, Decimal]]:
    """Billable net revenue per calendar month, oldest first:
    [(month start, Decimal)]."""
    orders = Order.objects.billable()
    if as_of is not None:
        orders = orders.filter(order_date__lte=as_of)
    rows = (
        orders.annotate(month=TruncMonth("order_date"))
        .order_by("month")
        .values("month")
        .annotate(revenue=Sum("net_total"))
        .values_list("month", "revenue")
    )
    # SQLite's SUM drops the scale of decimals (200 rather than 200.00).
    return [(month, money(revenue)) for month, revenue in rows]


def monthly_category_revenue(
    *, as_of: date | None = None
) -> list[tuple[int, str, date, Decimal]]:
    """Billable net revenue (order lines' net amounts) per top-level product
    category and calendar month: [(category id, name, month start, Decimal)],
    by category id then month. Categories have at most two levels, so a line's
    top-level category is its product category's parent, or the category itself."""
    lines = OrderLine.objects.filter(order__status__in=Order.BILLABLE)
    if as_of is not None:
        lines = lines.filter(order__order_date__lte=as_of)
    rows = (
        lines.annotate(
            top_id=Coalesce("product__category__parent_id", "product__category_id"),
            top_name=Coalesce(
                "product__category__parent__name", "product__category__name"
            ),
            month=TruncMonth("order__order_date"),
        )
        .order_by("top_id", "month")
        .values("top_id", "top_name", "month")
        .annotate(revenue=Sum("net_amount"))
        .values_list("top_id", "top_name", "month", "revenue")
    )
    return [(pk, name, month, money(revenue)) for pk, name, month, revenue in rows]


FORECAST_HORIZONS = (6, 12)


def forecast_horizon(parameters: dict) -> int:
    """The ``horizon`` parameter in months: 6 or 12, 12 when absent."""
    value = parameters.get("horizon") or 12
    try:
        horizon = int(value)
    except (TypeError, ValueError):
        horizon = None
    if horizon not in FORECAST_HORIZONS:
        raise ValueError(
            _("The forecast horizon must be 6 or 12 months, not %(value)s.")
            % {"value": value}
        )
    return horizon


def _revenue_series(points, end: date):
    """A pandas Series of revenue (float, for the models) from the first month with
    revenue to the month of ``end``; months without revenue are 0."""
    import pandas as pd

    values = pd.Series(
        {pd.Timestamp(month): float(revenue) for month, revenue in points},
        dtype=float,
    ).sort_index()
    months = pd.date_range(values.index[0], pd.Timestamp(end.replace(day=1)), freq="MS")
    return values.reindex(months, fill_value=0.0)


@job_runner_register(JobRun.Kind.FORECAST)
def forecast_run(job: JobRun, parameters: dict, progress: Progress) -> dict:
    """Forecast monthly revenue, total and per top-level category, ``horizon``
    months ahead from the last complete month. A series that cannot be forecast
    (too short) is listed under "skipped" with the reason; the job still succeeds."""
    from analytics.forecasting import ForecastError, forecast_revenue

    as_of = as_of_date(parameters)
    horizon = forecast_horizon(parameters)
    end = history_end_date(as_of)
    progress(5, _("Reading monthly revenue"))
    total = monthly_revenue(as_of=end)
    progress(15, _("Reading monthly revenue per category"))
    by_category: dict[tuple[int, str], list] = {}
    for pk, name, month, revenue in monthly_category_revenue(as_of=end):
        by_category.setdefault((pk, name), []).append((month, revenue))
    # Largest categories first: the picker lists them in this order.
    categories = sorted(
        by_category.items(),
        key=lambda item: (-sum(r for _m, r in item[1]), item[0][1], item[0][0]),
    )
    candidates = [("total", _("Total"), None, total)] + [
        (f"category-{pk}", name, pk, points) for (pk, name), points in categories
    ]

    series, skipped = [], []
    for done, (key, label, category_id, points) in enumerate(candidates):
        progress(
            20 + 75 * done // len(candidates),
            _("Forecasting %(series)s (%(done)d of %(total)d)")
            % {"series": label, "done": done + 1, "total": len(candidates)},
        )
        entry = {"key": key, "label": str(label), "category_id": category_id}
        if not points:
            reason = _("No billable revenue up to %(end)s.") % {"end": end}
            skipped.append({**entry, "months": 0, "reason": reason})
            continue
        history = _revenue_series(points, end)
        try:
            result = forecast_revenue(history, horizon=horizon)
        except ForecastError as exc:
            skipped.append({**entry, "months": len(history), "reason": str(exc)})
            continue
        series.append({**entry, "months": len(history), **result.as_dict()})

    summary = {
        "as_of": as_of.isoformat(),
        "history_end": end.isoformat(),
        "horizon": horizon,
        "months": len(_revenue_series(total, end)) if total else 0,
        "forecasts": len(series),
        "skipped_count": len(skipped),
        "series": series,
        "skipped": skipped,
    }
    progress(100, _("Done"))
    return summary
