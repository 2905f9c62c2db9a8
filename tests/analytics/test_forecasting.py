"""Revenue forecasting: pure computation on pandas series, no database."""

import re

import numpy as np
import pandas as pd
import pytest

from analytics.forecasting import (
    ForecastError,
    ForecastResult,
    backtest,
    cents,
    forecast_chart_svg,
    forecast_revenue,
)


def monthly(values, start="2022-01-01"):
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype=float
    )


def trend_and_season(n=48, seed=7):
    """Trend + yearly seasonality + noise, fixed seed."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10_000 + 120 * t + 1_500 * np.sin(2 * np.pi * t / 12)
    return monthly(values + rng.normal(0, 250, n))


def row(result_or_rows, key):
    rows = getattr(result_or_rows, "metrics", result_or_rows)
    return next(r for r in rows if r.key == key)


@pytest.fixture(scope="module")
def seasonal_result():
    return forecast_revenue(trend_and_season(), horizon=12)


def test_chosen_model_beats_seasonal_naive_and_every_baseline(seasonal_result):
    result = seasonal_result
    assert result.backtest_origins == 12
    assert result.backtest_horizon == 3
    assert result.mase_lag == 12  # 40+ months in the shortest training window
    chosen = row(result, result.chosen)
    naive = row(result, "seasonal_naive")
    baselines = [row(result, "seasonal_naive"), row(result, "holt_winters")]
    assert chosen.chosen and sum(r.chosen for r in result.metrics) == 1
    assert chosen.mase <= 0.9 * naive.mase
    assert chosen.mase <= min(r.mase for r in baselines)
    assert result.reason.startswith(f"{chosen.label}: backtest MASE {chosen.mase:.2f}")
    assert f"{naive.mase:.2f} for seasonal naive" in result.reason
    assert result.warnings == []
    # Fitted values cover the history; the forecast the next 12 months.
    assert result.fitted.index.equals(result.history.index)
    assert len(result.forecast) == 12
    assert result.forecast.index[0] == pd.Timestamp("2026-01-01")


def test_backtest_metrics_match_a_hand_computation():
    # Jan 2024 .. Mar 2025; 2 origins, 2 months ahead: training windows of 12 and 13.
    y = monthly(
        [10, 12, 14, 11, 13, 15, 12, 14, 16, 13, 15, 17, 12, 15, 16], "2024-01-01"
    )
    result = backtest(y, origins=2, horizon=2)
    assert result.origins == 2
    assert result.mase_lag == 1  # fewer than 24 months before the first origin
    naive = row(result.metrics, "seasonal_naive")
    # Origin 1 (train Jan-Dec 2024) forecasts Jan, Feb 2025 as 10, 12; actual 12, 15.
    # Origin 2 (train to Jan 2025) forecasts Feb, Mar 2025 as 12, 14; actual 15, 16.
    # Absolute errors 2, 3, 3, 2.
    np.testing.assert_array_equal(
        result.errors["seasonal_naive"], [[2.0, 3.0], [3.0, 2.0]]
    )
    assert naive.mae == pytest.approx(2.5)
    assert naive.mape == pytest.approx((2 / 12 + 3 / 15 + 3 / 15 + 2 / 16) / 4 * 100)
    assert naive.mape == pytest.approx(17.2916667)
    assert naive.smape == pytest.approx(
        (2 * 2 / 22 + 2 * 3 / 27 + 2 * 3 / 27 + 2 * 2 / 30) / 4 * 100
    )
    assert naive.smape == pytest.approx(18.989899)
    # MASE scales, lag 1: first 12 months' |differences| are 2,2,3,2,2,3,2,2,3,2,2
    # (25 over 11); the 13th month adds |12 - 17| = 5 (30 over 12).
    # (2 / (25/11) + 3 / (25/11) + 3 / 2.5 + 2 / 2.5) / 4
    #   = (0.88 + 1.32 + 1.2 + 0.8) / 4 = 1.05
    assert naive.mase == pytest.approx(1.05)


def test_linear_regression_is_exact_on_a_straight_line():
    y = monthly([100 + 5 * t for t in range(10)])
    result = backtest(y, origins=2, horizon=2)
    linear = row(result.metrics, "linear")
    assert linear.mae == pytest.approx(0, abs=1e-9)
    assert linear.mase == pytest.approx(0, abs=1e-9)
    # Naive lag-1 scale is 5 a month: seasonal naive cannot run on 6 training months.
    assert not row(result.metrics, "seasonal_naive").available


def test_intervals_contain_the_forecast_and_widen(seasonal_result):
    table = seasonal_result.forecast
    assert (table["lower_95"] <= table["lower_80"]).all()
    assert (table["lower_80"] <= table["forecast"]).all()
    assert (table["forecast"] <= table["upper_80"]).all()
    assert (table["upper_80"] <= table["upper_95"]).all()
    width = (table["upper_95"] - table["lower_95"]).to_numpy()
    assert (width > 0).all()
    assert (np.diff(width) >= -1e-9).all()
    assert width[-1] > width[0]


def test_short_history_falls_back_with_warnings():
    result = forecast_revenue(trend_and_season(18), horizon=6)
    assert any("Only 18 months" in w and "24" in w for w in result.warnings)
    assert len(result.forecast) == 6
    # 18 months: the first backtest origin has 10 months, too few for seasonal naive.
    assert not row(result, "seasonal_naive").available
    assert "Seasonal naive" in result.reason
    assert result.mase_lag == 1

    tiny = forecast_revenue(trend_and_season(8), horizon=6)
    assert any("only 3 origin(s)" in w for w in tiny.warnings)
    assert not row(tiny, "seasonal_naive").available
    assert np.isfinite(tiny.forecast.to_numpy()).all()

    with pytest.raises(ForecastError, match="at least 6"):
        forecast_revenue(trend_and_season(5))


def test_missing_months_count_as_zero():
    y = trend_and_season(30).drop(pd.Timestamp("2023-03-01"))
    result = forecast_revenue(y, horizon=6)
    assert result.history[pd.Timestamp("2023-03-01")] == 0
    assert any("counted as 0" in w for w in result.warnings)


def drivers_series(n=36, horizon=6, seed=3):
    rng = np.random.default_rng(seed)
    months = pd.date_range("2022-01-01", periods=n + horizon, freq="MS")
    spend = pd.DataFrame({"marketing": rng.uniform(0, 5_000, n + horizon)}, months)
    t = np.arange(n)
    revenue = 20_000 + 50 * t + 3 * spend["marketing"].iloc[:n].to_numpy()
    return monthly(revenue + rng.normal(0, 300, n)), spend


def test_drivers_are_used_when_future_values_are_given():
    y, spend = drivers_series()
    result = forecast_revenue(y, horizon=6, drivers=spend)
    assert result.chosen == "linear_drivers"
    assert result.drivers == ["marketing"]
    assert row(result, "linear_drivers").mase < row(result, "linear").mase
    # A month with more spend is forecast higher, by about 3 per unit of spend.
    future = spend.iloc[-6:]["marketing"].to_numpy()
    forecast = result.forecast["forecast"].to_numpy()
    slope = np.polyfit(future, forecast - 50 * np.arange(36, 42), 1)[0]
    assert slope == pytest.approx(3, rel=0.1)


def test_drivers_without_future_values_skip_that_model():
    y, spend = drivers_series()
    result = forecast_revenue(y, horizon=6, drivers=spend.iloc[:-2])
    skipped = row(result, "linear_drivers")
    assert not skipped.available
    assert "every forecast month" in skipped.note
    assert result.chosen != "linear_drivers"
    assert any(w.startswith("Drivers not used") for w in result.warnings)


def test_result_serialises(seasonal_result):
    data = seasonal_result.as_dict()
    assert data["chosen"] == seasonal_result.chosen
    assert len(data["forecast"]) == 12
    assert set(data["forecast"][0]) == {
        "month",
        "forecast",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    }


def test_chart_svg(seasonal_result):
    svg = forecast_chart_svg(seasonal_result, "EUR")
    assert svg.startswith("<svg")
    assert "Revenue (EUR)" in svg
    assert re.search(r">\d{1,3}(,\d{3})+<", svg)  # thousands separators
    forecast_group = svg.split('<g id="forecast">', 1)[1].split('<g id="', 1)[0]
    assert forecast_group.count("<use ") == 12  # one marker per forecast month
    assert forecast_chart_svg(seasonal_result, "EUR") == svg  # stable for caching


def test_stored_amounts_are_decimal_text_rounded_half_up():
    assert cents(2.675) == "2.68"  # the float is 2.67499..., its text is 2.675
    assert cents(0.125) == "0.13"
    assert cents(-1.005) == "-1.01"
    assert cents(1234.5) == "1234.50"
    assert cents(float("nan")) is None
    assert cents(None) is None


def test_the_stored_form_has_no_float_amounts_and_reads_back(seasonal_result):
    data = seasonal_result.as_dict()
    amounts = [v for _m, v in data["history"]] + [
        row[c] for row in data["forecast"] for c in row if c != "month"
    ]
    assert all(isinstance(v, str) for v in amounts)
    assert all(v is None or isinstance(v, str) for _m, v in data["fitted"])
    assert all(isinstance(r["mae"], str) for r in data["metrics"] if r["available"])
    back = ForecastResult.from_dict(data)
    expected = seasonal_result.forecast.round(2)
    assert np.allclose(back.forecast.to_numpy(), expected.to_numpy(), atol=1e-9)
    assert back.metrics[0].mae == pytest.approx(
        seasonal_result.metrics[0].mae, abs=0.01
    )

    # Runs stored before amounts became text held floats: still readable.
    old = {
        **data,
        "history": [[m, float(v)] for m, v in data["history"]],
        "forecast": [
            {k: v if k == "month" else float(v) for k, v in row.items()}
            for row in data["forecast"]
        ],
    }
    assert ForecastResult.from_dict(old).forecast.equals(back.forecast)


def test_a_subset_of_models_can_be_compared():
    result = forecast_revenue(
        trend_and_season(), horizon=6, models=("linear", "seasonal_naive")
    )
    assert [r.key for r in result.metrics] == ["seasonal_naive", "linear"]
    assert result.chosen == "linear"
    with pytest.raises(ForecastError, match="Unknown model"):
        forecast_revenue(trend_and_season(), models=("prophet",))


def test_the_chart_can_show_units(seasonal_result):
    svg = forecast_chart_svg(seasonal_result, "pcs", measure="Units")
    assert "Units (pcs)" in svg
    assert 'aria-label="Units forecast chart"' in svg
