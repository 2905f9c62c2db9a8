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

# Worked by hand. R: ranked from the oldest (365 days: 9 then 10 by id) to the
# newest (1 day: customer 1); the tie at 6 days puts 2 (rank 8, R 4) before 3 (rank
# 9, R 5). F: the four one-order customers take ranks 1-4 in id order (3, 5 -> 1;
# 9, 10 -> 2). M: 80.00 is shared by 3 (rank 3) and 5 (rank 4), both score 2.
EXPECTED = {
    # id: (recency_days, R, F, M, segment)
    1: (1, 5, 5, 5, "Champions"),
    2: (6, 4, 5, 4, "Loyal"),
    3: (6, 5, 1, 2, "New"),
    4: (30, 4, 3, 3, "Potential loyalist"),
    5: (60, 3, 1, 2, "About to sleep"),
    6: (60, 3, 4, 4, "Loyal"),
    7: (90, 2, 3, 3, "At risk"),
    8: (180, 2, 4, 5, "At risk"),
    9: (365, 1, 2, 1, "Lost"),
    10: (365, 1, 2, 1, "Lost"),
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


def test_every_quintile_is_used_when_most_customers_have_one_order():
    n = 100
    ids = np.arange(1, n + 1)
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "last_order_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(ids % 7, unit="D"),
            # 70 customers with a single order: qcut on values would fail here.
            "frequency": np.where(ids <= 70, 1, ids - 68),
            "monetary": np.where(ids <= 80, 50.0, 500.0),
        }
    )
    result = rfm.compute_rfm(frame, dt.date(2024, 2, 1))
    each_twenty = dict.fromkeys(range(1, 6), 20)
    for score in ("R", "F", "M"):
        assert result[score].value_counts().sort_index().to_dict() == each_twenty
    # Among equal values, the lower id gets the lower score.
    singles = result[result["frequency"] == 1]
    assert singles["F"].is_monotonic_increasing
    assert singles["F"].max() == 4


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
    # Customers 3 and 5 share one order and 80.00: equal scores, not split.
    result = rfm.compute_rfm(HAND.iloc[[0, 2, 4]], AS_OF).set_index("customer_id")
    assert result.loc[3, "F"] == result.loc[5, "F"] == 2
    assert result.loc[3, "M"] == result.loc[5, "M"] == 2
    assert result.loc[1, "F"] == result.loc[1, "M"] == 5


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
