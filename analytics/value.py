"""Customer value over a horizon, V = R x P, with L shown; value tiers A/B/C; and
the holdout check of the ranking it gives. Pure: arrays or a pandas frame in, a
frame out; no database (the segmentation run reads and stores, analytics/value_run.py).

A purchase is a day with billable orders (two orders on one day are one purchase,
worth their sum); time is in weeks. Per customer, from the purchases up to the "as
of" date:

- **P**, expected purchases over the horizon: the BG/NBD model
  (``value_models.bgnbd_fit``, ``conditional_expected_purchases``);
- **L**, the probability that the customer is still active (BG/NBD's P(alive));
  P already accounts for it: P = L x (expected purchases if active);
- **R**, expected value per purchase: the Gamma-Gamma model
  (``value_models.gamma_gamma_fit``, ``conditional_expected_value``), a weighted
  mean of the customer's own mean purchase and everyone's, the own one counting
  more the more purchases there are;
- **V** = R x P, the expected net revenue over the horizon.

Both models are fitted by maximum likelihood on the data of the run itself: BG/NBD
on every customer, Gamma-Gamma on the repeat customers (2 purchases or more) whose
mean purchase is positive.

**Fallback.** With fewer than ``MIN_REPEAT_CUSTOMERS`` repeat customers (or a fit
that fails) the models are not fitted and a documented heuristic is used instead:
past spend per week since the first purchase (at least ``FALLBACK_MIN_WEEKS``, so
that a first purchase last week does not read as a purchase a week) x the horizon.
As R x P: R = the customer's mean purchase, P = purchases per week x horizon; L is
not estimated (empty). The run and the pages say so.

**Tiers** rank customers by V (highest first, ties by customer id) and cut the
cumulative share of the total: **A** are the customers who together make the first
80 % of expected value (the customer crossing 80 % included), **B** the next 15 %
(to 95 %), **C** the rest. With no expected value at all everyone is C.

**Holdout check** (``holdout_check``): the same method fitted only on the purchases
before the start of the last horizon predicts V for that horizon; the top 20 % of
those customers by predicted V, and the top 20 % by past spend (their net revenue
before the cut), are compared by the share of the window's actual revenue (from the
customers ranked) they brought.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import value_models

DEFAULT_HORIZON_MONTHS = 12
DAYS_PER_WEEK = 7
# Fewer repeat customers than this and the models are not fitted: seven parameters
# from a few dozen customers would be noise.
MIN_REPEAT_CUSTOMERS = 50
FALLBACK_MIN_WEEKS = 26
TIER_A_SHARE = 0.80
TIER_B_SHARE = 0.95
TIERS = ("A", "B", "C")
TOP_SHARE = 0.20
MODEL = "model"
FALLBACK = "fallback"
# Why the fallback was used: too few repeat customers with a positive mean purchase;
# no finite maximum of a likelihood; values that are not finite numbers.
TOO_FEW_REPEAT = "too_few_repeat_customers"
FIT_FAILED = "fit_failed"
NOT_FINITE = "not_finite"
# Why the holdout check could not be made: no customer bought before the cut; they
# bought nothing after it.
NO_HISTORY = "no_history"
NO_WINDOW_REVENUE = "no_window_revenue"


@dataclass
class ValueResult:
    """``frame``: customer_id, value_per_purchase (R), expected_purchases (P),
    probability_active (L, NaN in the fallback), expected_value (V) and value_tier,
    in the input's order. ``method`` is MODEL or FALLBACK (then ``reason`` says
    why: TOO_FEW_REPEAT, FIT_FAILED or NOT_FINITE; the pages put it in words)."""

    frame: pd.DataFrame
    method: str
    reason: str = ""
    bgnbd: value_models.BgNbd | None = None
    gamma_gamma: value_models.GammaGamma | None = None
    repeat_customers: int = 0
    spend_customers: int = 0  # those the Gamma-Gamma model was fitted on
    # Pearson correlation of purchases and mean purchase value over those: the
    # Gamma-Gamma model assumes they are independent.
    spend_frequency_correlation: float | None = None


def customer_value(frame: pd.DataFrame, *, horizon_weeks: float) -> ValueResult:
    """``frame`` has, per customer: customer_id, purchases (days with orders, >= 1),
    t_x (weeks from the first purchase to the last), T (weeks from the first
    purchase to the as-of date) and revenue (net, all purchases). Returns V = R x P
    over ``horizon_weeks`` by the fitted models, or by the fallback when they cannot
    be fitted."""
    if horizon_weeks <= 0:
        raise ValueError("The value horizon must be a positive number of weeks.")
    n = frame["purchases"].to_numpy(dtype=float)
    t_x = frame["t_x"].to_numpy(dtype=float)
    T = frame["T"].to_numpy(dtype=float)
    revenue = frame["revenue"].to_numpy(dtype=float)
    mean = revenue / n
    repeat = n >= 2
    spenders = repeat & (mean > 0)
    counts = {
        "repeat_customers": int(repeat.sum()),
        "spend_customers": int(spenders.sum()),
        "spend_frequency_correlation": _correlation(n[spenders], mean[spenders]),
    }
    if spenders.sum() < MIN_REPEAT_CUSTOMERS:
        return _fallback(frame, horizon_weeks, TOO_FEW_REPEAT, counts)
    x = n - 1
    try:
        bgnbd = value_models.bgnbd_fit(x, t_x, T)
        gamma_gamma = value_models.gamma_gamma_fit(n[spenders], mean[spenders])
    except value_models.FitError:
        return _fallback(frame, horizon_weeks, FIT_FAILED, counts)
    alive = value_models.probability_alive(bgnbd, x, t_x, T)
    purchases = value_models.conditional_expected_purchases(
        bgnbd, horizon_weeks, x, t_x, T
    )
    per_purchase = value_models.conditional_expected_value(gamma_gamma, n, mean)
    values = per_purchase * purchases
    if not np.all(np.isfinite(values)) or not np.all(np.isfinite(alive)):
        return _fallback(frame, horizon_weeks, NOT_FINITE, counts)
    out = _frame(frame, per_purchase, purchases, alive, values)
    return ValueResult(out, MODEL, "", bgnbd, gamma_gamma, **counts)


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _fallback(
    frame: pd.DataFrame, horizon_weeks: float, reason: str, counts: dict
) -> ValueResult:
    n = frame["purchases"].to_numpy(dtype=float)
    T = frame["T"].to_numpy(dtype=float)
    revenue = frame["revenue"].to_numpy(dtype=float)
    per_purchase = np.maximum(revenue / n, 0.0)
    purchases = n / np.maximum(T, FALLBACK_MIN_WEEKS) * horizon_weeks
    alive = np.full(len(n), np.nan)
    out = _frame(frame, per_purchase, purchases, alive, per_purchase * purchases)
    return ValueResult(out, FALLBACK, reason, **counts)


def _frame(frame, per_purchase, purchases, alive, values) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy(),
            "value_per_purchase": per_purchase,
            "expected_purchases": purchases,
            "probability_active": alive,
            "expected_value": np.maximum(values, 0.0),
        },
        index=frame.index,
    )
    out["value_tier"] = value_tiers(out["customer_id"], out["expected_value"])
    return out


def value_tiers(customer_ids: pd.Series, values: pd.Series) -> pd.Series:
    """A/B/C by cumulative share of expected value (see the module docstring)."""
    order = np.lexsort((customer_ids.to_numpy(), -values.to_numpy(dtype=float)))
    ranked = values.to_numpy(dtype=float)[order]
    total = ranked.sum()
    tiers = np.full(len(ranked), "C", dtype=object)
    if total > 0:
        # The share of value held by the customers ranked above each one.
        before = (np.cumsum(ranked) - ranked) / total
        tiers = np.where(
            before < TIER_A_SHARE, "A", np.where(before < TIER_B_SHARE, "B", "C")
        ).astype(object)
        tiers[ranked <= 0] = "C"
    result = np.empty(len(ranked), dtype=object)
    result[order] = tiers
    return pd.Series(result, index=values.index, name="value_tier")


def top_share(
    customer_ids: np.ndarray, score: np.ndarray, actual: np.ndarray, top: int
) -> float:
    """The share of ``actual`` (summed) held by the ``top`` customers with the
    highest ``score`` (ties by customer id)."""
    total = float(np.sum(actual))
    if total <= 0 or top <= 0:
        return 0.0
    order = np.lexsort((customer_ids, -score))
    return float(np.sum(actual[order[:top]]) / total)


def holdout_check(
    calibration: pd.DataFrame, window_revenue: np.ndarray, *, horizon_weeks: float
) -> dict:
    """Fit on ``calibration`` (the customers and purchases before the cut, as
    ``customer_value`` takes them), predict V over the ``horizon_weeks`` after the
    cut, and compare rankings by the share of ``window_revenue`` (each calibration
    customer's actual net revenue after the cut, aligned with ``calibration``) that
    their top 20 % brought: by predicted V, by past spend (revenue before the cut),
    and the most any ranking could (by the window revenue itself).

    Returns a plain dict (numbers as floats); ``possible`` False with a ``reason``
    when there is nothing to compare."""
    customers = len(calibration)
    actual = np.asarray(window_revenue, dtype=float)
    total = float(actual.sum()) if customers else 0.0
    if customers == 0:
        return {"possible": False, "reason": NO_HISTORY, "customers": 0}
    if total <= 0:
        return {"possible": False, "reason": NO_WINDOW_REVENUE, "customers": customers}
    result = customer_value(calibration, horizon_weeks=horizon_weeks)
    ids = calibration["customer_id"].to_numpy()
    top = max(1, math.ceil(TOP_SHARE * customers))
    predicted = result.frame["expected_value"].to_numpy(dtype=float)
    past = calibration["revenue"].to_numpy(dtype=float)
    model_share = top_share(ids, predicted, actual, top)
    past_share = top_share(ids, past, actual, top)
    return {
        "possible": True,
        "method": result.method,
        "fallback_reason": result.reason,
        "customers": customers,
        "top_customers": top,
        "window_revenue": total,
        "predicted_revenue": float(predicted.sum()),
        "model_share": model_share,
        "past_spend_share": past_share,
        "best_share": top_share(ids, actual, actual, top),
        "beats_past_spend": model_share > past_share,
        "bgnbd": result.bgnbd.as_dict() if result.bgnbd else None,
        "gamma_gamma": result.gamma_gamma.as_dict() if result.gamma_gamma else None,
    }
