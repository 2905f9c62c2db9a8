"""Analytics reads. Job runs are team-wide (aggregates over every customer), so no
per-rep scoping: the views' permissions decide who sees them. Segment results are
per customer and scoped (see below)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Max, Min, QuerySet, Subquery, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import slugify

from analytics import segment_names
from analytics.models import CustomerSegment, DriverValue, ForecastDriver, JobRun
from analytics.months import history_end_date, month_add, months_between
from customers.list_filters import ListFilterField
from customers.selectors import customer_scope
from sms.roles import user_is_manager

ZERO = Decimal("0.00")


def jobrun_list(*, user, kind: str | None = None) -> QuerySet[JobRun]:
    runs = JobRun.objects.select_related("started_by")
    if kind:
        runs = runs.filter(kind=kind)
    return runs


def jobrun_statuses(*, user, ids: Iterable[int]) -> QuerySet[JobRun]:
    """The runs the status endpoint reports on (a page's unfinished runs)."""
    return JobRun.objects.filter(pk__in=list(ids)[:100]).only(
        "pk",
        "status",
        "progress",
        "message",
        "error",
        "started_at",
        "finished_at",
        "kind",
    )


def forecast_run_get(*, user, run_id: int | None = None) -> JobRun | None:
    """A succeeded forecast run: ``run_id``'s, else the latest; None if none.
    Raises JobRun.DoesNotExist for an id that is not a succeeded forecast run."""
    runs = JobRun.objects.select_related("started_by").filter(
        kind=JobRun.Kind.FORECAST, status=JobRun.Status.SUCCEEDED
    )
    if run_id is not None:
        return runs.get(pk=run_id)
    return runs.order_by("-finished_at", "-pk").first()


def reorder_demand_forecasts() -> dict:
    """The stock pages' demand forecasts (inventory.demand): per product of the
    latest succeeded forecast run with unit forecasts, the units its reorder rule
    covers. One query, reading only that part of the run's summary."""
    from django.urls import reverse

    from inventory.demand import DemandForecast

    row = (
        JobRun.objects.filter(
            kind=JobRun.Kind.FORECAST,
            status=JobRun.Status.SUCCEEDED,
            summary__has_key="reorder",
        )
        .order_by("-finished_at", "-pk")
        .values_list("pk", "summary__reorder")
        .first()
    )
    if row is None or not row[1]:
        return {}
    run_id, reorder = row
    first = date.fromisoformat(reorder["first_month"])
    last = date.fromisoformat(reorder["last_month"])
    bound = {"upper_80": "upper 80 %", "forecast": "point"}.get(
        reorder.get("bound"), reorder.get("bound", "")
    )
    basis = f"forecast run #{run_id}, {bound} bound"
    url = reverse("analytics:forecast") + f"?run={run_id}"
    return {
        int(pk): DemandForecast(
            units=int(units),
            first_month=first,
            last_month=last,
            basis=basis,
            url=url + f"&series=product-{pk}",
        )
        for pk, units in reorder.get("units", {}).items()
    }


# Forecast drivers ----------------------------------------------------------------
#
# Team-wide inputs to the total revenue forecast; the views let managers only.


def driver_list(*, user) -> QuerySet[ForecastDriver]:
    """Every driver with its number of values and first and last month."""
    return ForecastDriver.objects.annotate(
        value_count=Count("values"),
        first_month=Min("values__month"),
        last_month=Max("values__month"),
    ).order_by("name")


def driver_values(*, driver_ids: Iterable[int]) -> dict[int, dict[date, Decimal]]:
    """{driver id: {month: value}} for the given drivers, in one query."""
    out: dict[int, dict[date, Decimal]] = {pk: {} for pk in driver_ids}
    rows = DriverValue.objects.filter(driver_id__in=list(out)).values_list(
        "driver_id", "month", "value"
    )
    for driver_id, month, value in rows.order_by("driver_id", "month"):
        out[driver_id][month] = value
    return out


def drivers_frame():
    """The active drivers as a pandas DataFrame for the forecast (one column per
    driver name, one row per month with any value, floats: model inputs, not
    money); None when no driver is active. Two queries."""
    import pandas as pd

    names = dict(
        ForecastDriver.objects.filter(is_active=True)
        .order_by("name")
        .values_list("pk", "name")
    )
    if not names:
        return None
    columns = {}
    for pk, values in driver_values(driver_ids=names).items():
        columns[names[pk]] = pd.Series(
            {pd.Timestamp(month): float(value) for month, value in values.items()},
            dtype=float,
        )
    frame = pd.DataFrame(columns, columns=list(names.values()))
    return frame.sort_index()


@dataclass(frozen=True)
class ForecastWindow:
    """The months a forecast run on ``as_of`` reads: from ``first`` (the first month
    with billable revenue, at most FORECAST_HISTORY_MONTHS back) to ``end`` (the last
    day of the history). ``end`` is the last complete month before ``as_of``
    (``last_complete``), unless a year or more before it has no sale at all: then
    the data set has ended, and the history ends with the last month with sales
    (``moved_back``), so that the forecast does not pad a run of empty months and
    call zeros a perfect forecast."""

    as_of: date
    last_complete: date
    end: date
    first: date | None  # None: no billable revenue up to ``last_complete``
    last_sale: date | None

    @property
    def moved_back(self) -> bool:
        return self.end != self.last_complete


def forecast_window(*, as_of: date) -> ForecastWindow:
    """Where the forecast's history starts and ends for ``as_of`` (see
    ForecastWindow). One query."""
    from analytics.forecasting import STALE_MONTHS
    from analytics.job_options import forecast_history_start
    from orders.models import Order

    last_complete = history_end_date(as_of)
    sales = (
        Order.objects.billable()
        .filter(order_date__lte=last_complete, net_total__gt=0)
        .aggregate(first=Min("order_date"), last=Max("order_date"))
    )
    first, last = sales["first"], sales["last"]
    end = last_complete
    if last is not None and months_between(last, last_complete) >= STALE_MONTHS:
        end = month_add(last, 1) - timedelta(days=1)
    if first is not None:
        first = max(first.replace(day=1), forecast_history_start(end))
    return ForecastWindow(
        as_of=as_of, last_complete=last_complete, end=end, first=first, last_sale=last
    )


@dataclass(frozen=True)
class DriverWindow:
    """The months a forecast run on ``as_of`` needs driver values for: the revenue
    history (``first`` to ``history_last``) and the forecast months after it."""

    as_of: date
    first: date
    history_last: date
    horizon: int
    moved_back: bool = False  # history_last is the last month with sales

    @property
    def last(self) -> date:
        return month_add(self.history_last, self.horizon)

    def missing(self, months: Iterable[date]) -> list[tuple[date, date]]:
        """The needed months not in ``months``, as (first, last) ranges."""
        have = set(months)
        ranges: list[tuple[date, date]] = []
        month = self.first
        while month <= self.last:
            if month not in have:
                if ranges and month_add(ranges[-1][1], 1) == month:
                    ranges[-1] = (ranges[-1][0], month)
                else:
                    ranges.append((month, month))
            month = month_add(month, 1)
        return ranges


def driver_window(*, as_of: date, horizon: int = 12) -> DriverWindow | None:
    """What a forecast run on ``as_of`` needs (as the runner reads revenue: the
    forecast window, see ForecastWindow); None without revenue. One query."""
    window = forecast_window(as_of=as_of)
    if window.first is None:
        return None
    return DriverWindow(
        as_of=as_of,
        first=window.first,
        history_last=window.end.replace(day=1),
        horizon=horizon,
        moved_back=window.moved_back,
    )


def driver_month_grid(
    *, values: dict[date, Decimal], window: DriverWindow | None
) -> list[dict]:
    """Rows of twelve months (one per year) covering the values and the window:
    [{"year", "cells": [{"month", "value", "needed"}]}], oldest year first."""
    months = set(values)
    if window is not None:
        months |= {window.first, window.last}
    if not months:
        return []
    rows = []
    for year in range(min(months).year, max(months).year + 1):
        cells = []
        for number in range(1, 13):
            month = date(year, number, 1)
            needed = window is not None and window.first <= month <= window.last
            cells.append({"month": month, "value": values.get(month), "needed": needed})
        rows.append({"year": year, "cells": cells})
    return rows


# Segments ------------------------------------------------------------------------
#
# Segment results are per customer, so unlike job runs they are scoped: managers see
# every customer; a rep sees the grid, the lists and the CSV computed over their own
# customers only (through customers.selectors.customer_scope). The K-Means section
# describes the whole customer base and is shown to managers only.


def segment_slug(name: str) -> str:
    return slugify(name)


SEGMENT_BY_SLUG = {segment_slug(name): name for name in segment_names.SEGMENTS}


def segmentation_runs() -> QuerySet[JobRun]:
    """Succeeded segmentation runs, latest first."""
    return JobRun.objects.filter(
        kind=JobRun.Kind.SEGMENTATION, status=JobRun.Status.SUCCEEDED
    ).order_by("-finished_at", "-pk")


def segmentation_run_get(*, user, run_id: str | int | None = None) -> JobRun | None:
    """The run a segments page shows: ``run_id`` (a succeeded segmentation run,
    else 404) or the latest succeeded one (None when there is none)."""
    runs = segmentation_runs()
    if run_id not in (None, ""):
        if not str(run_id).isdigit():
            raise Http404
        return get_object_or_404(runs, pk=int(run_id))
    return runs.first()


def segmentation_run_is_latest(*, run: JobRun) -> bool:
    return segmentation_runs().values_list("pk", flat=True).first() == run.pk


def segment_results(*, user, run: JobRun) -> QuerySet[CustomerSegment]:
    """The run's per-customer rows the user may see."""
    rows = CustomerSegment.objects.filter(job=run)
    if not user_is_manager(user):
        rows = rows.filter(customer__in=customer_scope(user=user))
    return rows


def segment_grid(*, user, run: JobRun) -> list[dict]:
    """Per segment (best first, all eleven): customers, revenue, revenue share,
    average R/F/M and the advice line, over the customers the user may see. One
    query."""
    rows = {
        row["segment"]: row
        for row in segment_results(user=user, run=run)
        .order_by()
        .values("segment")
        .annotate(
            customers=Count("pk"),
            revenue=Sum("monetary"),
            avg_r=Avg("r"),
            avg_f=Avg("f"),
            avg_m=Avg("m"),
            avg_recency=Avg("recency_days"),
        )
    }
    total = sum((row["revenue"] or ZERO for row in rows.values()), start=ZERO)
    grid = []
    for name in segment_names.SEGMENTS:
        row = rows.get(name, {})
        revenue = row.get("revenue") or ZERO
        share = float(revenue / total) if total else 0.0
        grid.append(
            {
                "segment": name,
                "slug": segment_slug(name),
                "advice": segment_names.SEGMENT_ADVICE[name],
                "customers": row.get("customers", 0),
                "revenue": revenue,
                "revenue_share": share,
                "avg_r": row.get("avg_r"),
                "avg_f": row.get("avg_f"),
                "avg_m": row.get("avg_m"),
                "avg_recency": row.get("avg_recency"),
                # Background alpha 0.08-0.75 grows with the revenue share.
                "intensity": round(0.08 + 0.67 * share, 2),
            }
        )
    return grid


def segment_customer_list(
    *, user, run: JobRun, segment: str, filters=None
) -> QuerySet[CustomerSegment]:
    """One segment's customers in ``run``, biggest spenders first, customer and
    owner joined. ``filters["q"]`` narrows by customer name."""
    rows = (
        segment_results(user=user, run=run)
        .filter(segment=segment)
        .select_related("customer", "customer__owner")
        .order_by("-monetary", "customer_id")
    )
    query = (filters or {}).get("q", "").strip()
    if query:
        rows = rows.filter(customer__name__icontains=query)
    return rows


def customer_list_segment_field(*, user):
    """The "Segment" filter on the customer list (registered with
    customers.list_filters): the segments that have customers in the latest
    succeeded run, best first. None (no filter) without the permission or a run.
    One query."""
    if not user.has_perm("analytics.view_customersegment"):
        return None
    run = segmentation_runs().only("pk", "summary").first()
    if run is None:
        return None
    present = {
        row["segment"]
        for row in (run.summary or {}).get("segments", [])
        if row.get("customers")
    }
    return ListFilterField(
        label="Segment",
        choices=[
            (segment_slug(name), name)
            for name in segment_names.SEGMENTS
            if name in present
        ],
        empty_label="Any segment",
        help_text=f"RFM, as of {(run.summary or {}).get('as_of', '?')}",
    )


def customer_list_segment_apply(*, queryset: QuerySet, value: str, user) -> QuerySet:
    """Customers in segment ``value`` (a slug) in the latest succeeded run. A
    subquery: no query of its own, whatever the number of customers."""
    segment = SEGMENT_BY_SLUG.get(value)
    if segment is None:
        return queryset.none()
    latest = segmentation_runs().values("pk")[:1]
    members = CustomerSegment.objects.filter(
        job_id=Subquery(latest), segment=segment
    ).values("customer_id")
    return queryset.filter(pk__in=members)


def segment_cluster_points(*, run: JobRun) -> list[tuple]:
    """(customer id, recency, frequency, monetary, cluster) of every customer in the
    run, for the K-Means charts (managers only)."""
    return list(
        CustomerSegment.objects.filter(job=run)
        .order_by("customer_id")
        .values_list("customer_id", "recency_days", "frequency", "monetary", "cluster")
    )


def customer_segment_history(*, customer, user, limit: int = 12) -> dict:
    """The customer page panel: the customer's segment in the latest succeeded runs,
    newest first (one query)."""
    if not user.has_perm("analytics.view_customersegment"):
        return {"visible": False}
    history = list(
        CustomerSegment.objects.filter(
            customer=customer,
            job__kind=JobRun.Kind.SEGMENTATION,
            job__status=JobRun.Status.SUCCEEDED,
        )
        .select_related("job")
        .defer("job__summary", "job__error")
        .order_by("-job__finished_at", "-job_id")[:limit]
    )
    for row in history:
        row.slug = segment_slug(row.segment)
        row.advice = segment_names.SEGMENT_ADVICE.get(row.segment, "")
        row.value_horizon = run_value_horizon(row.job)
    return {
        "visible": True,
        "current": history[0] if history else None,
        "history": history,
    }


# Customer value ------------------------------------------------------------------
#
# Expected value is stored with each segmentation run's rows (analytics/value.py), so
# it is scoped like the segments: reps see their own customers only.


def run_value_horizon(run: JobRun) -> int:
    """The months a run's expected values cover."""
    return int((run.parameters or {}).get("value_horizon_months") or 12)


def value_tier_table(*, user, run: JobRun) -> list[dict]:
    """Per tier A, B, C: customers, expected value and its share of the total over
    the customers the user may see. One query."""
    rows = {
        row["value_tier"]: row
        for row in segment_results(user=user, run=run)
        .filter(expected_value__isnull=False)
        .order_by()
        .values("value_tier")
        .annotate(customers=Count("pk"), value=Sum("expected_value"))
    }
    total = sum((row["value"] or ZERO for row in rows.values()), start=ZERO)
    table = []
    for tier in ("A", "B", "C"):
        row = rows.get(tier, {})
        amount = row.get("value") or ZERO
        table.append(
            {
                "tier": tier,
                "customers": row.get("customers", 0),
                "value": amount,
                "share": float(amount / total) if total else 0.0,
            }
        )
    return table


def value_customer_list(*, user, run: JobRun) -> QuerySet[CustomerSegment]:
    """The run's customers with an expected value, most valuable first, customer
    and owner joined."""
    return (
        segment_results(user=user, run=run)
        .filter(expected_value__isnull=False)
        .select_related("customer", "customer__owner")
        .order_by("-expected_value", "customer_id")
    )
