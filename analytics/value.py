"""Expected customer value over a horizon, and value tiers A/B/C. Pure: a pandas
frame in, a frame out; no database.

This is a documented heuristic, not a fitted probabilistic model (BG/NBD +
Gamma-Gamma). Per customer, from the orders on or before the "as of" date:

- average order value ``aov = monetary / frequency`` (net revenue per order);
- active span ``span_days = max(tenure_days, MIN_SPAN_DAYS)``, where tenure is the
  days from the first order to the as-of date; the floor keeps a customer with one
  recent order from looking like one order a day;
- purchase rate ``rate = frequency / (span_days / DAYS_PER_MONTH)`` orders a month;
- retention ``p = clip(exp(-recency_days / gap), MIN_RETENTION, 1)``, the chance the
  customer is still buying, where ``gap = span_days / frequency`` is their typical
  days between orders: a customer silent for one usual gap keeps e^-1 = 37 %;
- expected value ``aov * rate * horizon_months * p``.

Tiers rank customers by expected value (highest first, ties by customer id) and cut
the cumulative share of the total: **A** are the customers who together make the
first 80 % of expected value (the customer crossing 80 % included), **B** the next
15 % (to 95 %), **C** the rest. With no expected value at all everyone is C.
"""

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 365.25 / 12
MIN_SPAN_DAYS = 180
MIN_RETENTION = 0.05
DEFAULT_HORIZON_MONTHS = 12
TIER_A_SHARE = 0.80
TIER_B_SHARE = 0.95
TIERS = ("A", "B", "C")


def expected_value(
    frame: pd.DataFrame, *, horizon_months: int = DEFAULT_HORIZON_MONTHS
) -> pd.DataFrame:
    """``frame`` has customer_id, recency_days, tenure_days, frequency (>= 1) and
    monetary. Returns customer_id, aov, rate_per_month, retention, expected_value
    (floats) and value_tier, in the input's order."""
    if horizon_months <= 0:
        raise ValueError("The value horizon must be a positive number of months.")
    frequency = frame["frequency"].to_numpy(dtype=float)
    monetary = frame["monetary"].to_numpy(dtype=float)
    recency = frame["recency_days"].to_numpy(dtype=float)
    span = np.maximum(frame["tenure_days"].to_numpy(dtype=float), MIN_SPAN_DAYS)
    aov = monetary / frequency
    rate = frequency / (span / DAYS_PER_MONTH)
    gap = span / frequency
    retention = np.clip(np.exp(-recency / gap), MIN_RETENTION, 1.0)
    value = np.maximum(aov * rate * horizon_months * retention, 0.0)
    out = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy(),
            "aov": aov,
            "rate_per_month": rate,
            "retention": retention,
            "expected_value": value,
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
