"""RFM scoring and segmentation: pure pandas, no Django, no database.

Input: one row per customer with ``customer_id``, ``last_order_date`` (date, datetime
or anything :func:`pandas.to_datetime` reads), ``frequency`` (number of orders) and
``monetary`` (net revenue), plus an ``as_of`` date. Output: one row per customer with
``recency_days``, the scores ``R``, ``F``, ``M`` (1-5) and a named ``segment``.

Scores
------
Each measure is scored 1-5 against four cut points taken from the customers
themselves, so customers with equal values always get equal scores, whatever their
customer id or row order:

* sort the n values ascending; cut point k (k = 1..4) is the value at position
  round(k * n / 5) (1-based; position 0 means "below every value"). These are the
  quintile boundaries: with n = 100 the 20th, 40th, 60th and 80th values;
* a customer's score is 1 + the number of cut points their value is strictly
  above.

Recency is scored on minus the days since the last order, so the most recent buyers
score R = 5 and the longest-lapsed R = 1.

Without ties this is the quintile of the rank: score = floor((rank - 0.5) / n * 5)
+ 1, n / 5 customers per score when n is a multiple of 5, the top value 5 and the
bottom value 1. A tie scores what that formula gives its lowest rank.

One value covering more than a fifth of customers: it equals one or more cut points
(only the highest value can miss them, by rounding), and equal is not above, so all its
customers share the lowest score the tie reaches and the scores it spans above that
stay empty; the next higher value carries on above the cut points it passes. For
example, when 60 % of customers have one order they all score F = 1, F = 2 and 3 are
unused, and repeat buyers score F = 4 or 5 (above the 60 % cut point, and the top
fifth also above the 80 % one). The lowest value scores 1 however many customers
share it (from five customers on), so one-time buyers always score F = 1: they sit
in the F = 1 column of the map below (New, Promising, About to sleep, Hibernating,
Lost, by recency), never in a repeat buyers' segment because of their customer id
or sign-up date. Cut points are taken over customers, not over distinct values:
over distinct values a long tail (a few customers with 40-100 orders) would push
every cut point up and leave most customers in F = 1. When the highest value covers
the 80 % cut point, no customer scores 5 on that measure.

Fewer than five customers: some cut points fall at position 0, below every value,
so the scores spread around the middle of the scale: one customer scores 3 on each
measure; two distinct values score 2 and 4; three 1, 3 and 5; four 1, 2, 4 and 5.
Ties still share the lowest score they reach: two customers with one order each
both score F = 2, three or four score F = 1. No customers gives an empty frame with
the output columns.

Customers without an order (``frequency`` 0 or no ``last_order_date``) have no
recency and are left out of the result; the caller decides how to show them. A last
order after ``as_of`` raises ``ValueError`` (the orders were not cut at ``as_of``).

Money
-----
``monetary`` may hold ``Decimal`` values (from the database) or floats. It is
converted to float64 (via :func:`pandas.to_numeric`) for scoring, averages and revenue
shares; float64 keeps 15 significant digits, which is exact to the cent for amounts
below 10**13, so no score or share is affected. Missing amounts count as 0. The
result is for analysis: money to be shown or stored as an amount should be re-read as
Decimal from the orders, not taken from this float column.

Segments: the R x F map
-----------------------
The segment depends on R and F only (M is reported but does not move the segment),
as in the commonly used 5 x 5 R x F grid; "Lost" is the bottom-left corner of the
grid's "Hibernating" block (R = 1, F = 1-2):

=== ============== ================== ================== ========= ================
R\\F F=1            F=2                F=3                F=4       F=5
=== ============== ================== ================== ========= ================
R=5 New            Potential loyalist Potential loyalist Champions Champions
R=4 Promising      Potential loyalist Potential loyalist Loyal     Loyal
R=3 About to sleep About to sleep     Need attention     Loyal     Loyal
R=2 Hibernating    Hibernating        At risk            At risk   Cannot lose them
R=1 Lost           Lost               At risk            At risk   Cannot lose them
=== ============== ================== ================== ========= ================
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# Also rfm.SEGMENTS and rfm.SEGMENT_ADVICE for callers that score.
from analytics.segment_names import SEGMENT_ADVICE, SEGMENT_GRID, SEGMENTS  # noqa: F401

QUINTILES = 5


INPUT_COLUMNS = ("customer_id", "last_order_date", "frequency", "monetary")
OUTPUT_COLUMNS = (
    "customer_id",
    "last_order_date",
    "recency_days",
    "frequency",
    "monetary",
    "R",
    "F",
    "M",
    "segment",
)
SUMMARY_COLUMNS = (
    "segment",
    "customers",
    "customer_share",
    "revenue",
    "revenue_share",
    "avg_recency_days",
    "avg_frequency",
    "avg_monetary",
    "avg_R",
    "avg_F",
    "avg_M",
)

_GRID = np.array(SEGMENT_GRID, dtype=object)


def quintile_cut_points(values: np.ndarray) -> tuple[int, np.ndarray]:
    """The quintile cut points of ``values`` as (how many lie below every value,
    the others ascending): cut k is the value at position round(k * n / 5)."""
    n = len(values)
    # round(k * n / 5) in integers; k * n / 5 is never halfway between two integers.
    positions = (2 * np.arange(1, QUINTILES) * n + QUINTILES) // (2 * QUINTILES)
    below_all = int((positions == 0).sum())
    return below_all, np.sort(values)[positions[below_all:] - 1]


def quintile_scores(values: pd.Series | np.ndarray) -> np.ndarray:
    """Scores 1-5: 1 + the number of quintile cut points a value is strictly above.

    Equal values always share a score, whatever their order; from five values on the
    lowest scores 1 (see the module docstring for a value covering more than a fifth
    and for fewer than five values).
    """
    values = np.asarray(values)
    if len(values) == 0:
        return np.empty(0, dtype=np.int64)
    below_all, cuts = quintile_cut_points(values)
    above = np.searchsorted(cuts, values, side="left")  # cut points < the value
    return (1 + below_all + above).astype(np.int64)


def segment_for(r: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Segment names for arrays of R and F scores (1-5), from the R x F map."""
    return _GRID[np.asarray(r) - 1, np.asarray(f) - 1]


def _as_naive_days(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values)
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps.dt.normalize()


def _as_of_timestamp(as_of: dt.date | dt.datetime | str) -> pd.Timestamp:
    stamp = pd.Timestamp(as_of)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.normalize()


def compute_rfm(
    customers: pd.DataFrame, as_of: dt.date | dt.datetime | str
) -> pd.DataFrame:
    """Recency, R/F/M scores and segment per customer, sorted by customer_id.

    ``customers`` needs the columns customer_id, last_order_date, frequency and
    monetary (see the module docstring for types, ties and small inputs). Aware
    datetimes are compared in UTC; pass local dates if day boundaries matter.
    """
    missing = [c for c in INPUT_COLUMNS if c not in customers.columns]
    if missing:
        raise ValueError(f"RFM input lacks columns: {', '.join(missing)}")
    frame = customers.loc[:, list(INPUT_COLUMNS)].copy()
    frame["last_order_date"] = _as_naive_days(frame["last_order_date"])
    frame["frequency"] = (
        pd.to_numeric(frame["frequency"], errors="raise").fillna(0).astype("int64")
    )
    frame["monetary"] = (
        pd.to_numeric(frame["monetary"], errors="raise").astype("float64").fillna(0.0)
    )
    frame = frame[frame["last_order_date"].notna() & (frame["frequency"] > 0)]
    frame = frame.sort_values("customer_id", kind="mergesort").reset_index(drop=True)

    as_of_day = _as_of_timestamp(as_of)
    recency = (as_of_day - frame["last_order_date"]).dt.days.astype("int64")
    if (recency < 0).any():
        late = frame.loc[recency < 0, "customer_id"].tolist()[:5]
        raise ValueError(
            f"last_order_date after as_of ({as_of_day.date()}) for customers {late}"
        )
    frame["recency_days"] = recency
    # Recency inverted: scored on minus the days, so the most recent buyers score 5.
    frame["R"] = quintile_scores(-frame["recency_days"].to_numpy())
    frame["F"] = quintile_scores(frame["frequency"].to_numpy())
    frame["M"] = quintile_scores(frame["monetary"].to_numpy())
    frame["segment"] = pd.Series(
        segment_for(frame["R"].to_numpy(), frame["F"].to_numpy()),
        index=frame.index,
        dtype="object",
    )
    return frame.loc[:, list(OUTPUT_COLUMNS)]


def summarize_segments(rfm: pd.DataFrame) -> pd.DataFrame:
    """Per segment (all eleven, best first): customers, revenue and its share, means.

    Shares are of the total customers and of the total monetary of ``rfm``; they sum
    to 1 unless the total is 0 (then they are NaN). Segments without customers have
    count 0, revenue 0 and NaN averages.
    """
    grouped = rfm.groupby("segment", sort=False).agg(
        customers=("customer_id", "size"),
        revenue=("monetary", "sum"),
        avg_recency_days=("recency_days", "mean"),
        avg_frequency=("frequency", "mean"),
        avg_monetary=("monetary", "mean"),
        avg_R=("R", "mean"),
        avg_F=("F", "mean"),
        avg_M=("M", "mean"),
    )
    summary = grouped.reindex(list(SEGMENTS))
    summary["customers"] = summary["customers"].fillna(0).astype("int64")
    summary["revenue"] = summary["revenue"].fillna(0.0).astype("float64")
    total_customers = summary["customers"].sum()
    total_revenue = summary["revenue"].sum()
    summary["customer_share"] = (
        summary["customers"] / total_customers if total_customers else np.nan
    )
    summary["revenue_share"] = (
        summary["revenue"] / total_revenue if total_revenue else np.nan
    )
    summary = summary.rename_axis("segment").reset_index()
    return summary.loc[:, list(SUMMARY_COLUMNS)]
