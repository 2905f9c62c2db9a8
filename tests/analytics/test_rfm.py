"""RFM scores and segments (analytics.rfm): pure pandas, no database."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from analytics import rfm

AS_OF = dt.date(2024, 7, 1)

# Ten customers, so scores are ceil(rank / 2). Ties on purpose: recency (9 and 10, 5
# and 6, 2 and 3), frequency 1 (3, 5, 9, 10) and monetary 80 (3 and 5).
HAND = pd.DataFrame(
    [
        # id, last order, orders, net revenue
        (1, dt.date(2024, 6, 30), 12, Decimal("5000.00")),
        (2, dt.date(2024, 6, 25), 8, Decimal("2500.00")),
        (3, dt.date(2024, 6, 25), 1, Decimal("80.00")),
        (4, dt.date(2024, 6, 1), 3, Decimal("400.00")),
        (5, dt.date(2024, 5, 2), 1, Decimal("80.00")),
        (6, dt.date(2024, 5, 2), 5, Decimal("1200.00")),
        (7, dt.date(2024, 4, 2), 2, Decimal("150.00")),
        (8, dt.date(2024, 1, 3), 6, Decimal("3000.00")),
        (9, dt.date(2023, 7, 2), 1, Decimal("20.00")),
        (10, dt.date(2023, 7, 2), 1, Decimal("35.50")),
    ],
    columns=["customer_id", "last_order_date", "frequency", "monetary"],
)

# Worked by hand: cut point k is the value at position 2k (n = 10), so without ties
# score = ceil(rank / 2) and a tie scores as its lowest rank. R: ranked from the
# oldest (365 days: 9 and 10, rank 1) to the newest (1 day: customer 1, rank 10); the
# tie at 6 days (2 and 3, ranks 8-9) scores 4 for both, at 60 days (5 and 6, ranks
# 5-6) 3. F: the four one-order customers (3, 5, 9, 10, ranks 1-4) all score 1. M:
# 80.00 is shared by 3 and 5 (ranks 3-4), both score 2.
EXPECTED = {
    # id: (recency_days, R, F, M, segment)
    1: (1, 5, 5, 5, "Champions"),
    2: (6, 4, 5, 4, "Loyal"),
    3: (6, 4, 1, 2, "Promising"),
    4: (30, 4, 3, 3, "Potential loyalist"),
    5: (60, 3, 1, 2, "About to sleep"),
    6: (60, 3, 4, 4, "Loyal"),
    7: (90, 2, 3, 3, "At risk"),
    8: (180, 2, 4, 5, "At risk"),
    9: (365, 1, 1, 1, "Lost"),
    10: (365, 1, 1, 1, "Lost"),
}


def as_tuples(result):
    return {
        row.customer_id: (row.recency_days, row.R, row.F, row.M, row.segment)
        for row in result.itertuples()
    }


def test_hand_computed_scores_and_segments_with_ties():
    result = rfm.compute_rfm(HAND, AS_OF)
    assert list(result.columns) == list(rfm.OUTPUT_COLUMNS)
    assert as_tuples(result) == EXPECTED
    assert result["monetary"].dtype == np.float64
    assert result.loc[result["customer_id"] == 10, "monetary"].item() == 35.5


def test_input_order_does_not_change_the_result():
    shuffled = HAND.sample(frac=1, random_state=7).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        rfm.compute_rfm(shuffled, AS_OF), rfm.compute_rfm(HAND, AS_OF)
    )


def test_as_of_accepts_dates_datetimes_and_aware_order_times():
    aware = HAND.assign(
        last_order_date=pd.to_datetime(HAND["last_order_date"]) + pd.Timedelta(hours=10)
    )
    aware["last_order_date"] = aware["last_order_date"].dt.tz_localize("UTC")
    result = rfm.compute_rfm(aware, "2024-07-01T18:00:00+00:00")
    assert as_tuples(result) == EXPECTED


def test_a_value_covering_more_than_a_fifth_shares_its_lowest_score():
    # 100 customers at positions p = 0..99 (ids shuffled, so ids say nothing): 70
    # one-time buyers (p % 10 < 7) and 30 repeat buyers with 2..31 orders; recency p + 1
    # days, all distinct; revenue distinct for 75 customers, the top 25 share 5000.
    p = np.arange(100)
    single = p % 10 < 7
    frequency = np.ones(100, dtype=int)
    frequency[~single] = np.arange(2, 32)
    frame = pd.DataFrame(
        {
            "customer_id": np.random.default_rng(3).permutation(100) + 1,
            "last_order_date": pd.Timestamp(AS_OF) - pd.to_timedelta(p + 1, unit="D"),
            "frequency": frequency,
            "monetary": np.where(p < 75, (p + 1) * 10.0, 5000.0),
        }
    )
    result = rfm.compute_rfm(frame, AS_OF).set_index("customer_id")
    result = result.loc[frame["customer_id"]]
    # Distinct recency: the plain quintiles, 20 customers each, most recent R = 5.
    assert result["R"].tolist() == list(np.repeat([5, 4, 3, 2, 1], 20))
    # F: cut points are the 20th, 40th, 60th (all 1 order) and 80th values (11
    # orders). Every one-time buyer scores 1, F = 2 and 3 are unused, 2-11 orders
    # score 4 and 12-31 orders 5.
    f = result["F"].to_numpy()
    assert set(f[single]) == {1}
    repeat = frame.loc[~single, "frequency"].to_numpy()
    assert f[~single].tolist() == np.where(repeat <= 11, 4, 5).tolist()
    assert result["F"].value_counts().sort_index().to_dict() == {1: 70, 4: 10, 5: 20}
    # M: the 25 customers at the highest value sit on the 80 % cut point (5000), are
    # above the other three and score 4; no one scores 5.
    m = result["M"].value_counts().sort_index().to_dict()
    assert m == {1: 20, 2: 20, 3: 20, 4: 40}
    assert set(result.loc[frame["customer_id"][p >= 75], "M"]) == {4}
    # One-time buyers fill the F = 1 column, split by recency: 14 in each of New,
    # Promising, About to sleep, Hibernating and Lost.
    singles = result.loc[frame["customer_id"][single], "segment"]
    assert singles.value_counts().to_dict() == {
        "New": 14,
        "Promising": 14,
        "About to sleep": 14,
        "Hibernating": 14,
        "Lost": 14,
    }


def duplicated_population(seed: int) -> pd.DataFrame:
    """1 to 60 random customer histories, each held by 1 to 4 customers with random
    ids: many one-order customers, repeated recencies and amounts, so ties fall on
    quintile cut points, and some populations have fewer than five customers."""
    rng = np.random.default_rng(seed)
    histories = int(rng.integers(1, 61))
    recency = rng.choice(rng.integers(0, 400, 30), histories)
    frequency = rng.geometric(rng.uniform(0.3, 0.8), histories)
    monetary = rng.choice(np.round(rng.lognormal(5, 1, 40), 2), histories)
    copies = rng.integers(1, 5, histories)
    frame = pd.DataFrame(
        {
            "last_order_date": pd.Timestamp(AS_OF)
            - pd.to_timedelta(np.repeat(recency, copies), unit="D"),
            "frequency": np.repeat(frequency, copies),
            "monetary": np.repeat(monetary, copies),
        }
    )
    frame.insert(0, "customer_id", rng.choice(10**6, len(frame), replace=False) + 1)
    return frame


HISTORY = ["recency_days", "frequency", "monetary"]
SCORES = ["R", "F", "M", "segment"]


@pytest.mark.parametrize("seed", range(40))
def test_customers_with_the_same_history_share_scores_and_segment(seed):
    frame = duplicated_population(seed)
    result = rfm.compute_rfm(frame, AS_OF)
    assert len(result) == len(frame)
    per_history = result.groupby(HISTORY)[SCORES].nunique()
    assert (per_history == 1).all().all(), per_history[(per_history > 1).any(axis=1)]
    assert result[["R", "F", "M"]].isin(range(1, 6)).all().all()
    # A better value never scores lower (recency: fewer days is better).
    for score, value in (("R", "recency_days"), ("F", "frequency"), ("M", "monetary")):
        ordered = result.sort_values(value, ascending=score != "R")[score]
        assert ordered.is_monotonic_increasing, score
    if len(result) >= 5:
        assert result.loc[result["frequency"].idxmin(), "F"] == 1

    # New ids and another row order: every history keeps its scores and segment.
    rng = np.random.default_rng(seed + 1000)
    other = frame.sample(frac=1, random_state=seed).assign(
        customer_id=rng.choice(10**6, len(frame), replace=False) + 1
    )
    again = rfm.compute_rfm(other, AS_OF)
    first = result.drop_duplicates(HISTORY).set_index(HISTORY)[SCORES].sort_index()
    second = again.drop_duplicates(HISTORY).set_index(HISTORY)[SCORES].sort_index()
    pd.testing.assert_frame_equal(first, second)


def test_recency_is_inverted():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5],
            "last_order_date": pd.to_datetime(
                ["2024-01-01", "2024-03-01", "2024-05-01", "2024-06-01", "2024-06-30"]
            ),
            "frequency": [1] * 5,
            "monetary": [10.0] * 5,
        }
    )
    result = rfm.compute_rfm(frame, AS_OF)
    assert result["recency_days"].tolist() == [182, 122, 61, 30, 1]
    assert result["R"].tolist() == [1, 2, 3, 4, 5]


def test_segment_map_matches_the_grid():
    assert rfm.segment_for(np.array([5]), np.array([5]))[0] == "Champions"
    cells = {
        (5, 1): "New",
        (4, 1): "Promising",
        (5, 2): "Potential loyalist",
        (4, 3): "Potential loyalist",
        (3, 4): "Loyal",
        (3, 3): "Need attention",
        (3, 2): "About to sleep",
        (2, 3): "At risk",
        (1, 5): "Cannot lose them",
        (2, 2): "Hibernating",
        (1, 2): "Lost",
        (1, 1): "Lost",
    }
    r, f = np.array(list(cells)).T
    assert rfm.segment_for(r, f).tolist() == list(cells.values())
    grid = {name for row in rfm.SEGMENT_GRID for name in row}
    assert grid == set(rfm.SEGMENTS)
    assert len(rfm.SEGMENTS) == 11
    assert set(rfm.SEGMENT_ADVICE) == set(rfm.SEGMENTS)
    assert all(line.strip() for line in rfm.SEGMENT_ADVICE.values())


def test_summary_counts_shares_and_averages():
    result = rfm.compute_rfm(HAND, AS_OF)
    summary = rfm.summarize_segments(result).set_index("segment")
    assert list(summary.index) == list(rfm.SEGMENTS)
    assert summary["customers"].sum() == len(HAND)
    assert summary["revenue_share"].sum() == pytest.approx(1.0)
    assert summary["customer_share"].sum() == pytest.approx(1.0)
    total = 12465.5
    assert summary.loc["Champions", "revenue_share"] == pytest.approx(5000 / total)
    assert summary.loc["At risk", "customers"] == 2
    assert summary.loc["At risk", "revenue"] == pytest.approx(3150.0)
    assert summary.loc["At risk", "avg_F"] == pytest.approx(3.5)
    assert summary.loc["Lost", "avg_M"] == 1
    assert summary.loc["Lost", "avg_recency_days"] == 365
    assert summary.loc["Cannot lose them", "customers"] == 0
    assert summary.loc["Cannot lose them", "revenue_share"] == 0
    assert np.isnan(summary.loc["Cannot lose them", "avg_R"])


@pytest.mark.parametrize(
    ("count", "scores"),
    [(1, [3]), (2, [4, 2]), (3, [5, 3, 1]), (4, [5, 4, 1, 2])],
)
def test_fewer_than_five_customers_spread_around_the_middle(count, scores):
    result = rfm.compute_rfm(HAND.head(count), AS_OF)
    assert result["M"].tolist() == scores


def test_fewer_than_five_customers_keep_ties_together():
    # Customers 3 and 5 share one order and 80.00: equal scores, not split, and the
    # lowest score the tie reaches (ranks 1-2 of 3), as from five customers on.
    result = rfm.compute_rfm(HAND.iloc[[0, 2, 4]], AS_OF).set_index("customer_id")
    assert result.loc[3, "F"] == result.loc[5, "F"] == 1
    assert result.loc[3, "M"] == result.loc[5, "M"] == 1
    assert result.loc[1, "F"] == result.loc[1, "M"] == 5
    # Two customers, one order each: both score F = 2 (a cut point lies below both).
    pair = rfm.compute_rfm(HAND.iloc[[2, 4]], AS_OF)
    assert pair["F"].tolist() == [2, 2]


def test_customers_without_orders_are_left_out_and_empty_input_works():
    frame = pd.concat(
        [
            HAND,
            pd.DataFrame(
                {
                    "customer_id": [11, 12],
                    "last_order_date": [None, dt.date(2024, 1, 1)],
                    "frequency": [0, 0],
                    "monetary": [Decimal(0), Decimal(0)],
                }
            ),
        ],
        ignore_index=True,
    )
    assert as_tuples(rfm.compute_rfm(frame, AS_OF)) == EXPECTED
    empty = rfm.compute_rfm(HAND.head(0), AS_OF)
    assert empty.empty
    assert list(empty.columns) == list(rfm.OUTPUT_COLUMNS)
    assert rfm.summarize_segments(empty)["customers"].sum() == 0


def test_orders_after_as_of_and_missing_columns_are_errors():
    with pytest.raises(ValueError, match="after as_of"):
        rfm.compute_rfm(HAND, dt.date(2024, 6, 1))
    with pytest.raises(ValueError, match="monetary"):
        rfm.compute_rfm(HAND.drop(columns="monetary"), AS_OF)
