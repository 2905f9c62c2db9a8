"""The job runners: what each job kind computes. Registered by dotted path in
analytics.jobs (JOB_RUNNERS), so this module and pandas load with the first job.

A runner is ``runner(job, parameters, progress) -> summary``: it reads through SQL
aggregates (never another app's models' writes), reports ``progress(percent,
message)`` as it goes, and returns a JSON-serialisable summary stored on the run.
Money in summaries is a string (Decimal), never a float.
"""

from datetime import date
from decimal import ROUND_CEILING, Decimal

import pandas as pd
from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import clustering, rfm, value, value_run
from analytics.job_options import (
    DEFAULT_REORDER_COVER_MONTHS,
    DEFAULT_TOP_PRODUCTS,
    FORECAST_HISTORY_MONTHS,  # noqa: F401 (for callers)
    FORECAST_HORIZONS,
    K_RANGE,
    MAX_TOP_PRODUCTS,
    forecast_history_start,
)
from analytics.jobs import Progress, job_attempt_lock
from analytics.models import CustomerSegment, JobRun
from analytics.months import month_add, month_back
from analytics.timing import Stopwatch
from orders.models import Order, OrderLine
from products.models import Product
from sms.bulk import rows_insert
from sms.money import money

# Rows fetched per round trip while streaming per-customer aggregates.
CHUNK = 2000
# Per-customer result rows per COPY (or INSERT on SQLite), between progress reports.
WRITE_BATCH = 10000
SEGMENT_FIELDS = (
    "job_id", "customer_id", "recency_days", "frequency", "monetary", "r", "f", "m",
    "segment", "cluster", "expected_value", "value_tier", "value_per_purchase",
    "expected_purchases", "probability_active",
)  # fmt: skip


def as_of_date(parameters: dict) -> date:
    """The ``as_of`` parameter (ISO date), today when absent."""
    value = parameters.get("as_of")
    if not value:
        return timezone.localdate()
    return date.fromisoformat(str(value))


def customer_rfm_rows(*, as_of: date):
    """Per customer with a billable order on or before ``as_of``: (customer id,
    recency in days, frequency, monetary, tenure in days since the first order).
    Streamed, ordered by customer id."""
    rows = (
        Order.objects.billable()
        .filter(order_date__lte=as_of)
        .order_by("customer_id")
        .values("customer_id")
        .annotate(
            first=Min("order_date"),
            last=Max("order_date"),
            frequency=Count("pk"),
            monetary=Sum("net_total"),
        )
        .values_list("customer_id", "last", "frequency", "monetary", "first")
    )
    for customer_id, last, frequency, monetary, first in rows.iterator(
        chunk_size=CHUNK
    ):
        yield (
            customer_id,
            (as_of - last).days,
            frequency,
            monetary,
            (as_of - first).days,
        )


def segmentation_run(job: JobRun, parameters: dict, progress: Progress) -> dict:
    clock = Stopwatch()
    as_of = as_of_date(parameters)
    k = segmentation_k(parameters)
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
                5 + 55 * len(rows) // max(total, 1),
                _("Read %(done)d of %(total)d customers")
                % {"done": len(rows), "total": total},
            )
    progress(60, _("Scoring %(total)d customers") % {"total": len(rows)})
    frame = pd.DataFrame(
        rows,
        columns=["customer_id", "recency_days", "frequency", "monetary", "tenure_days"],
    )
    frame["last_order_date"] = pd.Timestamp(as_of) - pd.to_timedelta(
        frame["recency_days"], unit="D"
    )
    clock.lap("read")
    scored = rfm.compute_rfm(frame, as_of)
    progress(
        70,
        _("Clustering %(total)d customers (K-Means)") % {"total": len(scored)},
    )
    result = clustering.cluster_customers(scored, k=k)
    scored["cluster"] = result.labels["cluster"].to_numpy()
    horizon = value_horizon(parameters)
    progress(80, _("Fitting the customer value model"))
    values, value_summary = value_run.customer_values(
        as_of=as_of, horizon_months=horizon, clock=clock
    )
    # Read by a second query: a customer whose first order landed in between has
    # no value in this run (empty), rather than failing it.
    values = values.set_index("customer_id").reindex(scored["customer_id"])
    values["value_tier"] = values["value_tier"].fillna("")
    for column in value_run.COLUMNS:
        scored[column] = values[column].to_numpy()
    progress(85, _("Saving %(total)d customers") % {"total": len(scored)})
    # Exact amounts from the database, not the float column used for scoring.
    exact = {row[0]: money(row[3] or Decimal("0.00")) for row in rows}
    clock.lap("compute")
    segment_results_save(job=job, scored=scored, exact=exact, progress=progress)
    clock.lap("write")
    revenue = sum(exact.values(), start=Decimal("0.00"))
    summary = {
        "as_of": as_of.isoformat(),
        "customers": len(rows),
        "orders": sum(row[2] for row in rows),
        "revenue": str(money(revenue)),
        "segments": segment_summary(scored, exact),
        "k": result.k,
        "k_fixed": result.k_fixed,
        "silhouette": {str(c): round(s, 4) for c, s in result.silhouette.items()},
        "clusters": cluster_summary(result.description),
        "value_horizon_months": horizon,
        "value_model": value_summary,
    }
    clock.lap("compute")
    summary["timings"] = clock.seconds()
    progress(100, _("Done"))
    return summary


def segmentation_k(parameters: dict) -> int | None:
    """The ``k`` parameter: the number of K-Means clusters the person starting the
    job fixed (2 to 8), or None to choose it by silhouette."""
    raw = parameters.get("k")
    if raw in (None, ""):
        return None
    low, high = K_RANGE
    try:
        k = int(raw)
    except (TypeError, ValueError):
        k = 0
    if not low <= k <= high:
        raise ValueError(
            _("The number of clusters k must be %(low)d to %(high)d, not %(value)s.")
            % {"low": low, "high": high, "value": raw}
        )
    return k


def value_horizon(parameters: dict) -> int:
    """The ``value_horizon_months`` parameter: 1 to 60 months, 12 when absent."""
    raw = parameters.get("value_horizon_months")
    if raw in (None, ""):
        return value.DEFAULT_HORIZON_MONTHS
    try:
        horizon = int(raw)
    except (TypeError, ValueError):
        horizon = 0
    if not 1 <= horizon <= 60:
        raise ValueError(
            _("The value horizon must be 1 to 60 months, not %(value)s.")
            % {"value": raw}
        )
    return horizon


def segment_results_save(
    *, job: JobRun, scored: pd.DataFrame, exact: dict, progress: Progress
) -> int:
    """Store one row per customer for ``job``, replacing any earlier attempt's rows
    (a restarted run writes its results once). Raises JobSuperseded, writing
    nothing, if a later attempt of the job has started."""
    with transaction.atomic():
        job_attempt_lock(job=job)  # and waits for another attempt's write to end
        CustomerSegment.objects.filter(job=job).delete()
        columns = ["customer_id", "recency_days", "frequency", "R", "F", "M"]
        batch = []
        written = 0
        # Plain tuples written with COPY (sms.bulk): a model instance per customer
        # cost more than writing it.
        for values in zip(
            *(scored[c].tolist() for c in columns),
            scored["segment"].tolist(),
            scored["cluster"].tolist(),
            *(scored[c].tolist() for c in value_run.COLUMNS),
            strict=True,
        ):
            (customer_id, recency, frequency, r, f, m, segment, cluster) = values[:8]
            per_purchase, purchases, active, expected, tier = values[8:]
            batch.append(
                (
                    job.pk,
                    customer_id,
                    recency,
                    frequency,
                    exact[customer_id],
                    r,
                    f,
                    m,
                    segment,
                    cluster,
                    value_run.money_or_none(expected),
                    tier or "",
                    value_run.money_or_none(per_purchase),
                    _float_or_none(purchases),
                    _float_or_none(active),
                )
            )
            if len(batch) == WRITE_BATCH:
                rows_insert(CustomerSegment, SEGMENT_FIELDS, batch)
                written += len(batch)
                batch = []
                progress(
                    85 + 14 * written // max(len(scored), 1),
                    _("Saved %(done)d of %(total)d customers")
                    % {"done": written, "total": len(scored)},
                )
        rows_insert(CustomerSegment, SEGMENT_FIELDS, batch)
        return written + len(batch)


def segment_summary(scored: pd.DataFrame, exact: dict) -> list[dict]:
    """Per segment (best first): customers, revenue (exact), shares and averages."""
    table = rfm.summarize_segments(scored)
    revenue = {name: Decimal("0.00") for name in rfm.SEGMENTS}
    for customer_id, segment in zip(
        scored["customer_id"].tolist(), scored["segment"].tolist(), strict=True
    ):
        revenue[segment] += exact[customer_id]
    out = []
    for row in table.to_dict("records"):
        out.append(
            {
                "segment": row["segment"],
                "customers": int(row["customers"]),
                "customer_share": _number(row["customer_share"]),
                "revenue": str(money(revenue[row["segment"]])),
                "revenue_share": _number(row["revenue_share"]),
                "avg_recency_days": _number(row["avg_recency_days"], 1),
                "avg_frequency": _number(row["avg_frequency"], 2),
                "avg_monetary": _money_text(row["avg_monetary"]),
                "avg_r": _number(row["avg_R"], 2),
                "avg_f": _number(row["avg_F"], 2),
                "avg_m": _number(row["avg_M"], 2),
            }
        )
    return out


def cluster_summary(description: pd.DataFrame) -> list[dict]:
    """Per cluster, in original units (money as text)."""
    out = []
    for row in description.to_dict("records"):
        out.append(
            {
                "cluster": int(row["cluster"]),
                "label": row["label"],
                "size": int(row["size"]),
                "customer_share": _number(row["customer_share"]),
                "revenue": _money_text(row["revenue"]),
                "revenue_share": _number(row["revenue_share"]),
                "median_recency_days": _number(row["median_recency_days"], 1),
                "median_frequency": _number(row["median_frequency"], 1),
                "median_monetary": _money_text(row["median_monetary"]),
            }
        )
    return out


def _number(value, digits: int = 4) -> float | None:
    """A JSON number, or None for NaN (an empty segment's average)."""
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def _float_or_none(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _money_text(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    return str(money(Decimal(str(value))))


def monthly_revenue(
    *, as_of: date | None = None, since: date | None = None
) -> list[tuple[date, Decimal]]:
    """Billable net revenue per calendar month (orders dated ``since`` to ``as_of``
    when given), oldest first: [(month start, Decimal)]."""
    orders = Order.objects.billable()
    if as_of is not None:
        orders = orders.filter(order_date__lte=as_of)
    if since is not None:
        orders = orders.filter(order_date__gte=since)
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
    *, as_of: date | None = None, since: date | None = None
) -> list[tuple[int, str, date, Decimal]]:
    """Billable net revenue (order lines' net amounts) per top-level product
    category and calendar month: [(category id, name, month start, Decimal)],
    by category id then month. Categories have at most two levels, so a line's
    top-level category is its product category's parent, or the category itself."""
    lines = OrderLine.objects.filter(order__status__in=Order.BILLABLE)
    if as_of is not None:
        lines = lines.filter(order__order_date__lte=as_of)
    if since is not None:
        lines = lines.filter(order__order_date__gte=since)
    # Summed per product and month in SQL (a hash of a few thousand groups), then
    # per category here: grouping the million lines by category name made the
    # database sort them all on disk (5x slower).
    rows = (
        lines.annotate(month=TruncMonth("order__order_date"))
        .values("product_id", "month")
        .annotate(revenue=Sum("net_amount"))
        .order_by()
        .values_list("product_id", "month", "revenue")
    )
    top = {
        pk: (top_id, top_name)
        for pk, top_id, top_name in Product.objects.annotate(
            top_id=Coalesce("category__parent_id", "category_id"),
            top_name=Coalesce("category__parent__name", "category__name"),
        ).values_list("pk", "top_id", "top_name")
    }
    totals: dict[tuple, Decimal] = {}
    for product_id, month, revenue in rows:  # products x months, not lines
        key = (*top[product_id], month)
        totals[key] = totals.get(key, Decimal("0.00")) + revenue
    return [
        (pk, name, month, money(revenue))
        for (pk, name, month), revenue in sorted(
            totals.items(), key=lambda item: (item[0][0], item[0][2])
        )
    ]


# Holt-Winters costs 0.1-0.5 s a fit and a backtest needs seven per series: per
# product, seasonal naive and the regression (trend + month of year) are compared.
PRODUCT_MODELS = ("seasonal_naive", "linear")
REORDER_BOUND = "upper_80"


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


def _int_parameter(parameters: dict, name: str, default: int, low: int, high: int):
    raw = parameters.get(name)
    if raw in (None, ""):
        return default
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise ValueError(
            _("%(name)s must be a whole number from %(low)d to %(high)d, not %(raw)s.")
            % {"name": name, "low": low, "high": high, "raw": raw}
        )
    return number


def forecast_top_products(parameters: dict) -> int:
    """The ``top_products`` parameter: how many products to forecast in units (0 to
    200, 20 when absent)."""
    return _int_parameter(
        parameters, "top_products", DEFAULT_TOP_PRODUCTS, 0, MAX_TOP_PRODUCTS
    )


def reorder_cover_months(parameters: dict, horizon: int) -> int:
    """The ``reorder_cover_months`` parameter: lead time + review period in months
    (1 to the horizon, 2 when absent)."""
    return _int_parameter(
        parameters,
        "reorder_cover_months",
        DEFAULT_REORDER_COVER_MONTHS,
        1,
        horizon,
    )


def _revenue_series(points, end: date):
    """A pandas Series of revenue or units (float, for the models) from the first
    month with sales to the month of ``end``; months without sales after the first
    are 0, months before it are not part of the series (empty without sales)."""
    import pandas as pd

    values = pd.Series(
        {pd.Timestamp(month): float(revenue) for month, revenue in points},
        dtype=float,
    ).sort_index()
    values = values[values.ne(0).cummax()]
    if values.empty:
        return values
    months = pd.date_range(values.index[0], pd.Timestamp(end.replace(day=1)), freq="MS")
    return values.reindex(months, fill_value=0.0)


def top_products(*, end: date, limit: int) -> list[dict]:
    """The ``limit`` products with the most billable net revenue over the 12 months
    up to ``end``: [{product_id, sku, name, unit, revenue}], biggest first. One
    query."""
    if limit <= 0:
        return []
    rows = (
        OrderLine.objects.filter(
            order__status__in=Order.BILLABLE,
            order__order_date__gte=month_back(end, 11),
            order__order_date__lte=end,
        )
        .values("product_id", "product__sku", "product__name", "product__unit")
        .annotate(revenue=Sum("net_amount"))
        .order_by("-revenue", "product_id")[:limit]
    )
    return [
        {
            "product_id": row["product_id"],
            "sku": row["product__sku"],
            "name": row["product__name"],
            "unit": row["product__unit"],
            "revenue": money(row["revenue"]),
        }
        for row in rows
    ]


def monthly_product_units(
    *, product_ids: list[int], end: date, since: date | None = None
) -> dict[int, list[tuple[date, int]]]:
    """Billable units sold per product and calendar month up to ``end`` (from
    ``since`` when given): {product id: [(month start, units)]}, oldest first. One
    query."""
    lines = OrderLine.objects.filter(
        order__status__in=Order.BILLABLE,
        order__order_date__lte=end,
        product_id__in=product_ids,
    )
    if since is not None:
        lines = lines.filter(order__order_date__gte=since)
    rows = (
        lines.annotate(month=TruncMonth("order__order_date"))
        .order_by("product_id", "month")
        .values("product_id", "month")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "month", "units")
    )
    out: dict[int, list[tuple[date, int]]] = {pk: [] for pk in product_ids}
    for product_id, month, units in rows:
        out[product_id].append((month, units))
    return out


def reorder_demand(entry: dict, cover: int) -> int:
    """Units to cover ``cover`` months: the sum of the first ``cover`` forecast
    months' upper 80 % bounds (as stored), rounded up to whole units."""
    total = sum(
        (Decimal(row[REORDER_BOUND] or "0") for row in entry["forecast"][:cover]),
        start=Decimal(0),
    )
    return int(total.to_integral_value(rounding=ROUND_CEILING))


def _forecast_products(*, end, horizon, limit, progress, start, stop, clock=None):
    """Unit forecasts of the top products: (entries, skipped). ``clock`` (a
    Stopwatch) books the reads as "read", the time before them as "compute"."""
    from analytics.forecasting import ForecastError, forecast_revenue

    if clock:
        clock.lap("compute")
    products = top_products(end=end, limit=limit)
    if not products:
        return [], []
    units = monthly_product_units(
        product_ids=[p["product_id"] for p in products],
        end=end,
        since=forecast_history_start(end),
    )
    if clock:
        clock.lap("read")
    entries, skipped = [], []
    for done, product in enumerate(products):
        progress(
            start + (stop - start) * done // len(products),
            _("Forecasting units of %(sku)s (%(done)d of %(total)d products)")
            % {"sku": product["sku"], "done": done + 1, "total": len(products)},
        )
        entry = {
            "key": f"product-{product['product_id']}",
            "label": f"{product['sku']} {product['name']}",
            "product_id": product["product_id"],
            "sku": product["sku"],
            "unit": product["unit"],
            "revenue_12m": str(product["revenue"]),
        }
        history = _revenue_series(units[product["product_id"]], end)
        try:
            result = forecast_revenue(history, horizon=horizon, models=PRODUCT_MODELS)
        except ForecastError as exc:
            skipped.append({**entry, "months": len(history), "reason": str(exc)})
            continue
        entries.append({**entry, "months": len(history), **result.as_dict()})
    return entries, skipped


def forecast_window_notice(window, horizon: int) -> str:
    """What the forecast page, the run's page and run_forecast say when the history
    was moved back to the last month with sales (else "")."""
    if not window.moved_back:
        return ""
    last = window.end.replace(day=1)
    return _(
        "No sales since %(last)s. A year or more without a single sale is the end "
        "of the data, not a slump to forecast, so the history ends with %(last)s, "
        "the last month with sales, instead of %(requested)s (the last complete "
        "month before %(as_of)s), and the forecast covers %(first)s to "
        "%(final)s, not the coming months. No reorder quantities are suggested "
        "from it."
    ) % {
        "last": f"{last:%B %Y}",
        "requested": f"{window.last_complete:%B %Y}",
        "as_of": window.as_of.isoformat(),
        "first": f"{month_add(last, 1):%B %Y}",
        "final": f"{month_add(last, horizon):%B %Y}",
    }


def forecast_run(job: JobRun, parameters: dict, progress: Progress) -> dict:
    """Forecast monthly revenue, total and per top-level category, ``horizon``
    months ahead from the last complete month, and the units of the top products
    (with the demand their reorder suggestion covers). A series that cannot be
    forecast (too short) is listed under "skipped" with the reason; the job still
    succeeds. The active forecast drivers go to the total's regression with
    drivers."""
    from analytics.forecasting import ForecastError, forecast_revenue
    from analytics.selectors import drivers_frame, forecast_window

    clock = Stopwatch()
    as_of = as_of_date(parameters)
    horizon = forecast_horizon(parameters)
    product_limit = forecast_top_products(parameters)
    cover = reorder_cover_months(parameters, horizon)
    progress(5, _("Reading monthly revenue"))
    window = forecast_window(as_of=as_of)
    end = window.end
    since = forecast_history_start(end)
    total = monthly_revenue(as_of=end, since=since)
    drivers = drivers_frame()
    driver_names = [] if drivers is None else [str(c) for c in drivers.columns]
    progress(15, _("Reading monthly revenue per category"))
    by_category: dict[tuple[int, str], list] = {}
    for pk, name, month, revenue in monthly_category_revenue(as_of=end, since=since):
        by_category.setdefault((pk, name), []).append((month, revenue))
    # Largest categories first: the picker lists them in this order.
    categories = sorted(
        by_category.items(),
        key=lambda item: (-sum(r for _m, r in item[1]), item[0][1], item[0][0]),
    )
    candidates = [("total", _("Total"), None, total)] + [
        (f"category-{pk}", name, pk, points) for (pk, name), points in categories
    ]
    clock.lap("read")

    series, skipped = [], []
    for done, (key, label, category_id, points) in enumerate(candidates):
        progress(
            20 + 55 * done // len(candidates),
            _("Forecasting %(series)s (%(done)d of %(total)d)")
            % {"series": label, "done": done + 1, "total": len(candidates)},
        )
        entry = {"key": key, "label": str(label), "category_id": category_id}
        if key == "total":
            entry["drivers_given"] = driver_names
        if not points:
            reason = _("No billable revenue up to %(end)s.") % {"end": end}
            skipped.append({**entry, "months": 0, "reason": reason})
            continue
        history = _revenue_series(points, end)
        try:
            result = forecast_revenue(
                history,
                horizon=horizon,
                drivers=drivers if key == "total" else None,
            )
        except ForecastError as exc:
            skipped.append({**entry, "months": len(history), "reason": str(exc)})
            continue
        series.append({**entry, "months": len(history), **result.as_dict()})

    products, products_skipped = _forecast_products(
        end=end,
        horizon=horizon,
        limit=product_limit,
        progress=progress,
        start=75,
        stop=98,
        clock=clock,
    )
    first_month = month_add(end.replace(day=1), 1)
    notice = forecast_window_notice(window, horizon)
    reorder_units = {
        str(entry["product_id"]): reorder_demand(entry, cover) for entry in products
    }
    summary = {
        "as_of": as_of.isoformat(),
        "history_end": end.isoformat(),
        "horizon": horizon,
        "months": len(_revenue_series(total, end)) if total else 0,
        "forecasts": len(series),
        "skipped_count": len(skipped),
        "drivers": driver_names,
        "top_products": product_limit,
        "product_forecasts": len(products),
        "series": series,
        "skipped": skipped,
        "products": products,
        "products_skipped": products_skipped,
        "reorder": {
            "cover_months": cover,
            "bound": REORDER_BOUND,
            "first_month": first_month.isoformat(),
            "last_month": month_add(first_month, cover - 1).isoformat(),
            # Demand of months long past is no reason to buy stock today.
            "units": {} if window.moved_back else reorder_units,
        },
    }
    if window.last_sale:
        summary["last_sale"] = window.last_sale.isoformat()
    if notice:
        summary["notice"] = notice
        summary["last_complete_month_end"] = window.last_complete.isoformat()
    # No writes of its own: the summary is stored with the run.
    clock.lap("compute")
    summary["timings"] = clock.seconds()
    progress(100, _("Done"))
    return summary
