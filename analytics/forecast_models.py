"""The forecast models compared in the backtest (analytics.forecasting): pure numpy,
pandas, scikit-learn and statsmodels, no Django.

Each model is a function ``fit(y, steps, frame, drivers) -> (fitted, forecast,
notes)``: the training values ``y`` (numpy, oldest first), the number of months to
forecast after them, the design frame (one row per month from the start of the
history on: trend position, month of year, drivers) and the driver columns to use.
It returns the fitted values over ``y`` (NaN where undefined), the ``steps``
forecasts and notes ("not converged"). Each chooses its terms from the length of the
data it is given, by the same rule in the backtest and in the final fit, so the
backtest measures the whole procedure.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

SEASON = 12
SEASONAL_MIN_MONTHS = 24  # two of each calendar month before seasonal terms
HW_TREND_MIN_MONTHS = 10  # below this a fitted trend is mostly noise
# Gradient boosting: the previous three months always, and the same month a year
# earlier from 24 months, when the other models get their seasonal terms too (one
# threshold, so one warning when backtest windows are shorter than the history).
ML_LAGS = (1, 2, 3)
# Small and fixed: a backtest fits it ten to twenty times per series, on a few dozen
# rows, where more or deeper trees only learn the noise.
ML_TREES = 30
ML_DEPTH = 2
ML_LEARNING_RATE = 0.2
ML_RANDOM_STATE = 0

Fit = tuple[np.ndarray, np.ndarray, tuple[str, ...]]


def seasonal_naive(y: np.ndarray, steps: int, frame: pd.DataFrame, drivers) -> Fit:
    """The value twelve months earlier."""
    n = len(y)
    fitted = np.full(n, np.nan)
    fitted[SEASON:] = y[:-SEASON]
    forecast = y[n - SEASON + np.arange(steps) % SEASON]
    return fitted, forecast.astype(float), ()


def _design(rows: pd.DataFrame, seasonal: bool, drivers: list[str]) -> np.ndarray:
    parts = [rows[["trend"]]]
    if seasonal:
        months = pd.Categorical(rows["month"], categories=range(1, SEASON + 1))
        dummies = pd.get_dummies(months, prefix="m", drop_first=True, dtype=float)
        parts.append(dummies.set_axis(rows.index))
    if drivers:
        parts.append(rows[drivers])
    return pd.concat(parts, axis=1).to_numpy(dtype=float)


def linear(y: np.ndarray, steps: int, frame: pd.DataFrame, drivers) -> Fit:
    """Least squares on trend + month of year (11 dummies from 24 months) + drivers."""
    n = len(y)
    x = _design(frame.iloc[: n + steps], n >= SEASONAL_MIN_MONTHS, drivers)
    # Least squares with an intercept as scikit-learn's LinearRegression solves it
    # (centred, lstsq's minimum-norm answer where columns are collinear), without
    # its per-call checks: the backtest fits it about twenty times per series.
    x_mean, y_mean = x[:n].mean(axis=0), y.mean()
    coef, *_rest = np.linalg.lstsq(x[:n] - x_mean, y - y_mean, rcond=None)
    predicted = (x - x_mean) @ coef + y_mean
    return predicted[:n], predicted[n:], ()


def holt_winters(y: np.ndarray, steps: int, frame: pd.DataFrame, drivers) -> Fit:
    """statsmodels' ExponentialSmoothing: additive trend and season (period 12)
    from 24 months, trend only from 10, simple exponential smoothing below."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    n = len(y)
    if n >= SEASONAL_MIN_MONTHS:
        terms = {"trend": "add", "seasonal": "add", "seasonal_periods": SEASON}
    elif n >= HW_TREND_MIN_MONTHS:
        terms = {"trend": "add"}
    else:
        terms = {}
    # The optimiser's convergence warnings are counted and reported once, in the
    # result's warnings, instead of flooding the log; other warnings (overflow in a
    # poor start) say nothing a manager can act on. catch_warnings is process-wide,
    # fine in a prefork Celery worker or a management command.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", ConvergenceWarning)
        model = ExponentialSmoothing(y, initialization_method="estimated", **terms)
        # Without the brute-force grid for starting values: half the time, and on
        # trend + season + noise series the backtest errors were the same or lower
        # (12 series, 16 origins each), which matters with 12 origins or more.
        fit = model.fit(use_brute=False)
        # forecast() predicts again, and on a perfectly flat series its information
        # criteria take log(0): harmless, so it stays inside the filter too.
        fitted = np.asarray(fit.fittedvalues, float)
        forecast = np.asarray(fit.forecast(steps))
    notes = ("not converged",) if caught else ()
    return fitted, forecast, notes


def ml_lags(n: int) -> tuple[int, ...]:
    """The lags gradient boosting uses on ``n`` training months."""
    return (*ML_LAGS, SEASON) if n >= SEASONAL_MIN_MONTHS else ML_LAGS


def gradient_boosting(y: np.ndarray, steps: int, frame: pd.DataFrame, drivers) -> Fit:
    """scikit-learn's GradientBoostingRegressor on lag features (the last three
    months, and the same month a year earlier from 24 months) and the month of
    year; forecasts recursively, each forecast month becoming a lag of the next.
    Trees do not extrapolate: a trend beyond the history's range is not followed,
    which the backtest shows."""
    from sklearn import config_context
    from sklearn.ensemble import GradientBoostingRegressor

    n = len(y)
    lags = ml_lags(n)
    first = max(lags)
    months = frame["month"].to_numpy()[: n + steps].astype(float)
    rows = np.arange(first, n)
    features = np.column_stack([y[rows - lag] for lag in lags] + [months[rows]])
    model = GradientBoostingRegressor(
        n_estimators=ML_TREES,
        max_depth=ML_DEPTH,
        learning_rate=ML_LEARNING_RATE,
        random_state=ML_RANDOM_STATE,
    )
    # The checks of every parameter and input, at each of the trees, cost more
    # than growing them on a few dozen rows; the inputs here are finite numbers.
    with config_context(assume_finite=True, skip_parameter_validation=True):
        model.fit(features, y[first:])
        fitted = np.full(n, np.nan)
        fitted[first:] = model.predict(features)
    values = np.concatenate([np.asarray(y, float), np.zeros(steps)])
    trees = model.estimators_[:, 0]
    start = float(model.init_.constant_[0, 0])
    back = np.asarray(lags)
    # The trees read float32, as predict() converts its input.
    row = np.empty((1, len(lags) + 1), dtype=np.float32)
    for t in range(n, n + steps):
        row[0, :-1] = values[t - back]
        row[0, -1] = months[t]
        # predict() stage by stage, without its input checks: a recursive forecast
        # asks for one row at a time, and the checks cost more than the trees.
        value = start
        for tree in trees:
            value += ML_LEARNING_RATE * tree.predict(row, check_input=False)[0]
        values[t] = value
    return fitted, values[n:], ()


@dataclass(frozen=True)
class Model:
    key: str
    label: str
    phrase: str  # in a sentence
    fit: Callable[..., Fit]
    min_train: int  # months of history the first backtest origin needs
    uses_drivers: bool = False
    # The history from which a fit has seasonal terms (None: always seasonal).
    seasonal_from: int | None = SEASONAL_MIN_MONTHS
    seasonal_terms: str = "the regression's month-of-year terms"


# Simplest first: on a tie the earlier model wins, so the machine-learning
# challenger, last, is chosen only when its backtest is strictly the best.
MODELS = (
    Model(
        "seasonal_naive",
        "Seasonal naive",
        "seasonal naive",
        seasonal_naive,
        12,
        seasonal_from=None,
    ),
    Model(
        "holt_winters",
        "Holt-Winters",
        "Holt-Winters",
        holt_winters,
        3,
        seasonal_terms="Holt-Winters' seasonal component",
    ),
    Model("linear", "Linear regression", "linear regression", linear, 3),
    Model(
        "linear_drivers",
        "Linear regression with drivers",
        "linear regression with drivers",
        linear,
        3,
        uses_drivers=True,
    ),
    Model(
        "gradient_boosting",
        "Gradient boosting",
        "gradient boosting",
        gradient_boosting,
        12,
        seasonal_terms="gradient boosting's 12-month lag",
    ),
)
BY_KEY = {m.key: m for m in MODELS}
