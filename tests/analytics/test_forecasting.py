"""Revenue forecasting: pure computation on pandas series, no database."""

import re

import numpy as np
import pandas as pd
import pytest

from analytics.forecast_charts import forecast_chart_svg
from analytics.forecasting import (
    ForecastError,
    ForecastResult,
    backtest,
    cents,
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
    assert result.mase_lag == 12  # 34+ months in the shortest training window
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
    # No inline <style> element, which the Content-Security-Policy refuses: its rule
    # comes from sms.css through the class.
    assert "<style" not in svg
    assert 'class="w-100 h-auto sms-chart"' in svg


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


# --- Issue #14: origins, the 12-month backtest, the machine-learning challenger,
# MSE and RMSE, and every n/a with its reason.


def test_the_backtest_uses_12_origins_one_month_apart_and_reports_12_months_ahead():
    y = trend_and_season(48)
    result = backtest(y)
    assert result.origins == 12
    assert result.horizon == 3
    # Origins one month apart, the last one 3 months before the end.
    np.testing.assert_array_equal(result.cuts, np.arange(34, 46))
    assert result.long_origins == 12 and result.long_horizon == 12
    for row in result.metrics:
        if row.available:
            assert row.origins == 12
            assert result.errors[row.key].shape == (12, 3)
            assert row.long["origins"] == 12
            assert row.long["mase"] is not None and row.long["rmse"] > 0
    assert {r.key for r in result.metrics if r.available} == {
        "seasonal_naive",
        "holt_winters",
        "linear",
        "gradient_boosting",
    }
    assert result.origins_note == ""


@pytest.mark.parametrize(
    ("months", "origins", "long_origins", "left_out"),
    [
        # 12 months before the first origin, 3 after the last: 24 months make 10.
        (24, 10, 1, set()),
        (26, 12, 3, set()),
        (30, 12, 7, set()),
        # Under 20 months seasonal naive and gradient boosting would have fewer
        # than 6 origins: they are left out and the others get 12, each with at
        # least 3 months to fit.
        (18, 12, 4, {"seasonal_naive", "gradient_boosting"}),
        (14, 9, 0, {"seasonal_naive", "gradient_boosting"}),
    ],
)
def test_shorter_histories_say_how_many_origins_and_why(
    months, origins, long_origins, left_out
):
    result = forecast_revenue(trend_and_season(months), horizon=6)
    assert result.backtest_origins == origins
    assert result.long_origins == long_origins
    assert {r.key for r in result.metrics if not r.available} - {
        "linear_drivers"
    } == left_out
    for row in result.metrics:
        if row.key in left_out:
            assert "before each backtest origin" in row.note
            assert f"{months} months leave room for" in row.note
    notes = [w for w in result.warnings if "origin(s) instead of 12" in w]
    if origins < 12:
        (note,) = notes
        assert f"only {origins} origin(s) instead of 12" in note
        assert f"with {months} months of history" in note
    else:
        assert notes == []
    if not long_origins:
        assert result.long_note == (
            f"needs at least 15 months of history (3 to fit before the first origin "
            f"and 12 to check), has {months}"
        )
        for row in result.metrics:
            if row.available:
                assert row.long["na"]["mase"] == result.long_note


def test_mse_and_rmse_match_a_hand_computation_at_both_horizons():
    # As in test_backtest_metrics_match_a_hand_computation: errors 2, 3, 3, 2.
    y = monthly(
        [10, 12, 14, 11, 13, 15, 12, 14, 16, 13, 15, 17, 12, 15, 16], "2024-01-01"
    )
    result = backtest(y, origins=2, horizon=2, long_horizon=3)
    naive = row(result.metrics, "seasonal_naive")
    assert naive.mse == pytest.approx((4 + 9 + 9 + 4) / 4)
    assert naive.mse == pytest.approx(6.5)
    assert naive.rmse == pytest.approx(6.5**0.5)
    # 3 months ahead: one origin (12 months to fit, 3 to check): Jan-Mar 2025
    # forecast as Jan-Mar 2024 (10, 12, 14), actual 12, 15, 16: errors 2, 3, 2.
    assert result.long_origins == 1
    assert naive.long["origins"] == 1
    assert naive.long["mae"] == pytest.approx(7 / 3)
    assert naive.long["mse"] == pytest.approx((4 + 9 + 4) / 3)
    assert naive.long["rmse"] == pytest.approx((17 / 3) ** 0.5)
    assert naive.long["mape"] == pytest.approx((2 / 12 + 3 / 15 + 2 / 16) / 3 * 100)
    # Stored as Decimal text, read back as numbers.
    stored = forecast_revenue(y, horizon=3, origins=2, backtest_horizon=2)
    data = stored.as_dict()
    naive_row = next(r for r in data["metrics"] if r["key"] == "seasonal_naive")
    assert naive_row["mse"] == "6.50"
    assert naive_row["rmse"] == "2.55"
    back = ForecastResult.from_dict(data)
    assert row(back, "seasonal_naive").rmse == pytest.approx(2.55)


def five_month_cycle(n=60, seed=5):
    """A cycle of five months that no calendar-month model can see: the next month
    follows from the last three."""
    rng = np.random.default_rng(seed)
    cycle = np.array([1000, 1600, 900, 2000, 1300], dtype=float)
    return monthly(np.tile(cycle, n // 5 + 1)[:n] + rng.normal(0, 20, n), "2019-01-01")


def seasonal_random_walk(n=48, seed=5):
    """Each month is the same month a year earlier plus noise: seasonal naive is the
    best forecast there is."""
    rng = np.random.default_rng(seed)
    values = np.zeros(n)
    values[:12] = 1000 + 300 * np.sin(np.arange(12) * 2 * np.pi / 12)
    for t in range(12, n):
        values[t] = values[t - 12] + rng.normal(0, 60)
    return monthly(values, "2021-01-01")


def test_gradient_boosting_is_chosen_where_it_is_clearly_best():
    result = forecast_revenue(five_month_cycle(), horizon=12)
    assert result.chosen == "gradient_boosting"
    assert result.chosen_label == "Gradient boosting"
    boosting = row(result, "gradient_boosting")
    others = [r for r in result.metrics if r.available and r.key != result.chosen]
    assert boosting.mase < 0.5 * min(r.mase for r in others)
    assert result.reason.startswith(
        f"Gradient boosting: backtest MASE {boosting.mase:.2f} vs"
    )
    # It forecasts the cycle on: the next five months repeat the last five.
    forecast = result.forecast["forecast"].to_numpy()
    last = result.history.to_numpy()[-5:]
    np.testing.assert_allclose(forecast[:5], last, rtol=0.1)


def test_gradient_boosting_is_not_chosen_where_seasonal_naive_is_best():
    result = forecast_revenue(seasonal_random_walk(), horizon=12)
    assert result.chosen == "seasonal_naive"
    boosting = row(result, "gradient_boosting")
    assert boosting.available and not boosting.chosen
    assert boosting.mase > row(result, "seasonal_naive").mase


def test_a_tie_goes_to_the_simpler_model():
    # A pure season repeated exactly: seasonal naive, Holt-Winters and the
    # regression are all exact (to float noise) and seasonal naive, the simplest,
    # is used.
    season = 1000 + 300 * np.sin(np.arange(12) * 2 * np.pi / 12)
    result = forecast_revenue(monthly(np.tile(season, 4)), horizon=6)
    assert result.chosen == "seasonal_naive"
    assert "On a tie the simpler model is used." in result.reason


def test_an_undefined_mase_comes_with_its_reason_and_the_choice_says_how():
    # The same season every year: the seasonal differences that scale MASE are 0,
    # so MASE is undefined for every model; sMAPE decides.
    season = 1000 + 300 * np.sin(np.arange(12) * 2 * np.pi / 12)
    result = forecast_revenue(monthly(np.tile(season, 4)), horizon=6)
    for metrics in result.metrics:
        if metrics.available:
            assert metrics.mase is None
            assert "repeats exactly from year to year" in metrics.na["mase"]
            assert "scales MASE is 0" in metrics.na["mase"]
    assert "lowest backtest sMAPE" in result.reason
    assert "MASE is n/a for every model: the history before a backtest" in (
        result.reason
    )
    # Every "n/a" in the sentence is followed by its reason.
    for match in re.finditer("n/a", result.reason):
        assert re.match(r"n/a( for every model)?: \w", result.reason[match.start() :])


def test_an_undefined_mape_comes_with_its_reason():
    # One origin, checking the last three months, which had no sales.
    y = monthly([5, 8, 6, 9, 7, 8, 6, 9, 0, 0, 0])
    result = backtest(y, origins=1, horizon=3)
    linear = row(result.metrics, "linear")
    assert linear.mape is None
    assert linear.na["mape"] == (
        "every month checked had no sales, and MAPE divides by the actual value"
    )
    assert linear.smape == pytest.approx(200.0)  # every forecast is off entirely


def test_months_before_the_first_sale_are_not_part_of_the_series():
    y = monthly([0, 0, 0, 0, *trend_and_season(30)])
    result = forecast_revenue(y, horizon=6)
    assert len(result.history) == 30
    assert result.history.index[0] == pd.Timestamp("2022-05-01")
    assert not any("counted as 0" in w for w in result.warnings)


def test_zero_months_are_counted_and_the_warning_says_how_many():
    values = list(trend_and_season(30))
    values[10] = values[20] = 0
    values[-3:] = [0, 0, 0]
    result = forecast_revenue(monthly(values), horizon=6)
    assert (
        "5 of 30 months in the history had no sales and were counted as 0, "
        "including the last 3 in a row."
    ) in result.warnings


def test_a_series_without_sales_for_a_year_is_not_forecast():
    values = list(trend_and_season(30)) + [0] * 12
    with pytest.raises(ForecastError) as caught:
        forecast_revenue(monthly(values, "2020-01-01"), horizon=6)
    assert str(caught.value) == (
        "No sales in the last 12 months of the history (the last in Jun 2022): a "
        "forecast from it would only repeat zeros."
    )
    # Eleven empty months are a slump, still forecast, with the warning.
    result = forecast_revenue(monthly(values[:-1], "2020-01-01"), horizon=6)
    assert any("including the last 11 in a row" in w for w in result.warnings)
