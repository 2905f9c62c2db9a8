"""The job runners: what each job kind computes. Registered in analytics.jobs.

A runner is ``runner(job, parameters, progress) -> summary``: it reads through SQL
aggregates (never another app's models' writes), reports ``progress(percent,
message)`` as it goes, and returns a JSON-serialisable summary stored on the run.
Money in summaries is a string (Decimal), never a float.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.jobs import Progress, job_runner_register
from analytics.models import JobRun
from orders.models import Order
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


@job_runner_register(JobRun.Kind.FORECAST)
def forecast_run(job: JobRun, parameters: dict, progress: Progress) -> dict:
    as_of = as_of_date(parameters)
    progress(10, _("Reading monthly revenue"))
    series = monthly_revenue(as_of=as_of)
    progress(60, _("%(months)d months of history") % {"months": len(series)})
    # TODO(analytics.forecasting): fit and backtest the models on ``series`` and
    # store the forecast; for now the run records the history it would use.
    summary = {
        "as_of": as_of.isoformat(),
        "months": len(series),
        "series": [
            {"month": month.strftime("%Y-%m"), "revenue": str(revenue)}
            for month, revenue in series
        ],
    }
    progress(100, _("Done"))
    return summary
