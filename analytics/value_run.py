"""The customer-value part of a segmentation run: one SQL aggregate per customer,
the fitted value model (analytics/value.py) as of the run's date, the holdout check
on the last horizon, and their entry in the run's summary (``value_model``).

Dates become weeks here: a customer's first purchase is their first day with a
billable order; t_x and T count the days from it to their last purchase and to the
as-of date, over 7. The horizon is the calendar months after the as-of date (12
months from 2024-12-31 are the 365 days to 2025-12-31), in weeks; the holdout
window is the same number of months before it.
"""

import calendar
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db.models import Count, Max, Min, Q, Sum

from analytics import value
from analytics.timing import Stopwatch
from orders.models import Order
from sms.money import money

# Rows fetched per round trip while streaming per-customer aggregates.
CHUNK = 2000
# The per-customer columns a run stores (besides customer_id).
COLUMNS = (
    "value_per_purchase",
    "expected_purchases",
    "probability_active",
    "expected_value",
    "value_tier",
)
READ_COLUMNS = (
    "customer_id", "first", "last", "days", "revenue",
    "cal_first", "cal_last", "cal_days", "cal_revenue", "window_revenue",
)  # fmt: skip


def months_shift(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), or the month's last day
    when it is shorter (31 Jan + 1 month = 28 or 29 Feb); the calendar's first or
    last day past its ends."""
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    month = index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def customer_value_rows(*, as_of: date, cut: date) -> pd.DataFrame:
    """Per customer with a billable order on or before ``as_of``: their first and
    last order dates, days with orders and net revenue, the same up to ``cut``
    (empty if they first bought after it), and their net revenue after ``cut``. One
    query, streamed."""
    before = Q(order_date__lte=cut)
    rows = (
        Order.objects.billable()
        .filter(order_date__lte=as_of)
        .order_by("customer_id")
        .values("customer_id")
        .annotate(
            first=Min("order_date"),
            last=Max("order_date"),
            days=Count("order_date", distinct=True),
            revenue=Sum("net_total"),
            cal_first=Min("order_date", filter=before),
            cal_last=Max("order_date", filter=before),
            cal_days=Count("order_date", distinct=True, filter=before),
            cal_revenue=Sum("net_total", filter=before),
            window_revenue=Sum("net_total", filter=~before),
        )
        .values_list(*READ_COLUMNS)
    )
    return pd.DataFrame.from_records(
        rows.iterator(chunk_size=CHUNK), columns=list(READ_COLUMNS)
    )


def _weeks(later, earlier) -> np.ndarray:
    """Days from ``earlier`` to ``later`` (date columns or a date), over 7."""
    days = pd.to_datetime(later) - pd.to_datetime(earlier)
    return np.asarray(days / pd.Timedelta(days=1), dtype=float) / value.DAYS_PER_WEEK


def _amounts(column: pd.Series) -> np.ndarray:
    """Decimal amounts (None for none) as floats for the models."""
    return column.fillna(Decimal("0")).astype(float).to_numpy()


def model_inputs(rows: pd.DataFrame, *, as_of: date, cut: date):
    """(inputs as of ``as_of`` for every customer, inputs as of ``cut`` for the
    customers who bought by then, their revenue after ``cut``, the revenue after
    ``cut`` of the customers who had not)."""
    full = pd.DataFrame(
        {
            "customer_id": rows["customer_id"].to_numpy(),
            "purchases": rows["days"].to_numpy(dtype=float),
            "t_x": _weeks(rows["last"], rows["first"]),
            "T": _weeks(pd.Timestamp(as_of), rows["first"]),
            "revenue": _amounts(rows["revenue"]),
        }
    )
    known = rows["cal_days"].to_numpy() > 0
    old = rows[known]
    calibration = pd.DataFrame(
        {
            "customer_id": old["customer_id"].to_numpy(),
            "purchases": old["cal_days"].to_numpy(dtype=float),
            "t_x": _weeks(old["cal_last"], old["cal_first"]),
            "T": _weeks(pd.Timestamp(cut), old["cal_first"]),
            "revenue": _amounts(old["cal_revenue"]),
        }
    )
    window = _amounts(rows["window_revenue"])
    return full, calibration, window[known], float(window[~known].sum())


def customer_values(
    *, as_of: date, horizon_months: int, clock: Stopwatch | None = None
) -> tuple[pd.DataFrame, dict]:
    """Every customer's R, P, L, V and tier as of ``as_of`` over the next
    ``horizon_months`` (a frame with customer_id and COLUMNS), and the summary
    entry: the method, the fitted parameters and the holdout check. ``clock`` (a
    Stopwatch) books the query as "read", the time before it as "compute"."""
    cut = months_shift(as_of, -horizon_months)
    # At least a day each, even at the calendar's ends.
    horizon_weeks = max((months_shift(as_of, horizon_months) - as_of).days, 1) / 7
    window_weeks = max((as_of - cut).days, 1) / 7
    if clock:
        clock.lap("compute")
    rows = customer_value_rows(as_of=as_of, cut=cut)
    if clock:
        clock.lap("read")
    full, calibration, window, new_revenue = model_inputs(rows, as_of=as_of, cut=cut)
    result = value.customer_value(full, horizon_weeks=horizon_weeks)
    check = value.holdout_check(calibration, window, horizon_weeks=window_weeks)
    summary = {
        "horizon_months": horizon_months,
        "horizon_weeks": round(horizon_weeks, 4),
        "method": result.method,
        "fallback_reason": result.reason,
        "customers": len(full),
        "repeat_customers": result.repeat_customers,
        "spend_customers": result.spend_customers,
        "min_repeat_customers": value.MIN_REPEAT_CUSTOMERS,
        "spend_frequency_correlation": _rounded(result.spend_frequency_correlation),
        "bgnbd": _parameters(result.bgnbd.as_dict()) if result.bgnbd else None,
        "gamma_gamma": _gamma_gamma(result.gamma_gamma),
        "expected_value": _money(result.frame["expected_value"].sum()),
        "check": _check_summary(check, cut=cut, as_of=as_of, new_revenue=new_revenue),
    }
    return result.frame, summary


def _rounded(number: float | None, digits: int = 4) -> float | None:
    return None if number is None else round(number, digits)


def _parameters(values: dict) -> dict:
    """Fitted parameters as JSON numbers, six significant digits."""
    return {key: float(f"{number:.6g}") for key, number in values.items()}


def _gamma_gamma(model) -> dict | None:
    if model is None:
        return None
    # gamma is a parameter in money units, kept as a number like the others; the
    # mean value per purchase it implies is an amount.
    return {**_parameters(model.as_dict()), "mean_value": _money(model.mean_value)}


def _check_summary(check: dict, *, cut: date, as_of: date, new_revenue: float):
    out = {
        "cut": cut.isoformat(),
        "window_start": (cut + timedelta(days=1)).isoformat(),
        "window_end": as_of.isoformat(),
        "possible": check["possible"],
        "customers": check["customers"],
        "new_customer_revenue": _money(new_revenue),
    }
    if not check["possible"]:
        return {**out, "reason": check["reason"]}
    return {
        **out,
        "method": check["method"],
        "fallback_reason": check["fallback_reason"],
        "top_customers": check["top_customers"],
        "window_revenue": _money(check["window_revenue"]),
        "predicted_revenue": _money(check["predicted_revenue"]),
        "model_share": round(check["model_share"], 4),
        "past_spend_share": round(check["past_spend_share"], 4),
        "best_share": round(check["best_share"], 4),
        "beats_past_spend": check["beats_past_spend"],
        "bgnbd": _parameters(check["bgnbd"]) if check["bgnbd"] else None,
        "gamma_gamma": _parameters(check["gamma_gamma"])
        if check["gamma_gamma"]
        else None,
    }


def _money(amount: float) -> str:
    """A model's amount (float) as Decimal text rounded half-up to cents."""
    return str(money(Decimal(repr(float(amount)))))


def money_or_none(amount) -> Decimal | None:
    """A model's amount (float, NaN for none) as a Decimal rounded half-up to cents,
    for storage."""
    if amount is None or pd.isna(amount):
        return None
    return money(Decimal(repr(float(amount))))
