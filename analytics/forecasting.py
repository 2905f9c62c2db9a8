"""Monthly revenue forecasting: pure computation, no Django and no database.

Input: a pandas Series of monthly revenue indexed by month (month-start dates; any day
of the month is read as that month, missing months are filled with 0 since no orders
means no revenue), optionally a DataFrame of external drivers (marketing spend, an
economic index...) indexed the same way, with values for the history *and* for the
months to forecast.

Models compared (see ../shared/DESIGN.md, "Analytics, precisely"):

* Linear regression (scikit-learn) on a trend term + month-of-year one-hot (11
  dummies, January the base), and a second variant with the drivers added when they
  are given with values for every history and forecast month (otherwise that variant
  is skipped, with the reason in its metrics row and in the warnings).
* Seasonal naive: the value twelve months earlier.
* Holt-Winters (statsmodels' ExponentialSmoothing): additive trend and additive
  seasonality (period 12) with 24 months or more, additive trend only from 10 months,
  simple exponential smoothing below that.

``models=`` limits the comparison to some of them (in the same order, so ties still go
to the simpler model): per-product unit forecasts compare seasonal naive and linear
regression only, since one Holt-Winters fit costs 0.1-0.5 s and a backtest needs seven.

Each fit chooses its terms from the length of the data it is given, by the same rule
in the backtest and in the final fit, so the backtest measures the whole procedure.
Seasonal terms need 24 months (two of each calendar month).

Rolling-origin backtest: by default 6 origins, each forecasting the next 3 months from
the history up to it (the last origin ends at the last month). Per model: MAE, MAPE
(months with zero revenue left out), sMAPE (a 0/0 term counts as 0) and MASE. MASE
scales each origin's absolute errors by the mean absolute seasonal difference (lag 12)
of that origin's training data when the shortest training window has at least 24
months (twelve seasonal differences); below that lag 1 (the naive one-step MAE), since
one or two seasonal differences give too noisy a scale. The model with the lowest
backtest MASE is chosen (ties go to the first in `MODELS`, the baselines), so the
choice can never be worse on the backtest than the best baseline.

Prediction intervals: a normal approximation, point +/- z * sigma_k per horizon step
k, with sigma_k the root mean square of the chosen model's backtest errors at step k
(bias included). Six origins give six errors per step: too few for empirical 2.5 % and
97.5 % quantiles, while their RMS is a usable scale. Beyond the backtest horizon sigma
grows like sqrt(k / horizon) from the last backtested step; sigma never falls below the
model's in-sample residual RMS and never shrinks with the horizon. Revenue is not
negative: when the history has no negative month, forecasts and bounds are clipped at
0.

``ForecastResult.as_dict`` is the stored form: amounts as text of Decimals rounded
half-up to cents (never floats); ``from_dict`` reads that and the older float form.

Fewer than 6 months: ForecastError (nothing honest can be said). Fewer than 24: no
seasonal terms, with a warning; seasonal naive needs 12 months before the first
backtest origin. Fewer than 6 backtest origins: a warning that the intervals are rough.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

SEASON = 12
SEASONAL_MIN_MONTHS = 24  # two of each calendar month before seasonal terms
HW_TREND_MIN_MONTHS = 10  # below this a fitted trend is mostly noise
MIN_HISTORY_MONTHS = 6
MIN_TRAIN_MONTHS = 3
BACKTEST_ORIGINS = 6
BACKTEST_HORIZON = 3
MAX_HORIZON = 24
Z80 = 1.2815515655446004  # two-sided 80 %: the 90th percentile of N(0, 1)
Z95 = 1.959963984540054  # two-sided 95 %: the 97.5th percentile
CENT = Decimal("0.01")


def cents(value) -> str | None:
    """A float as the text of a Decimal rounded half-up to cents ("1234.50"); None
    for None or NaN. Stored summaries hold amounts this way, never as floats."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    # str() of a float is its shortest round-tripping form: 0.125 stays 0.125 and
    # rounds up, where Decimal(0.125) is exact and would too, but Decimal(2.675)
    # is 2.67499999... and would round down.
    return str(Decimal(str(float(value))).quantize(CENT, rounding=ROUND_HALF_UP))


class ForecastError(ValueError):
    """The series cannot be forecast (too short, malformed); the message says why."""


@dataclass(frozen=True)
class ModelMetrics:
    """One row of the backtest table. Percentages for MAPE and sMAPE; None when a
    metric is undefined (a skipped model, all-zero actuals, a zero MASE scale)."""

    key: str
    label: str
    available: bool
    mae: float | None = None
    mape: float | None = None
    smape: float | None = None
    mase: float | None = None
    origins: int = 0
    note: str = ""
    chosen: bool = False


@dataclass
class BacktestResult:
    metrics: list[ModelMetrics]
    errors: dict[str, np.ndarray]  # key -> (origins x horizon) actual - predicted
    origins: int
    horizon: int
    mase_lag: int
    cuts: np.ndarray  # training-window lengths, one per origin


@dataclass
class ForecastResult:
    chosen: str  # key of the chosen model, e.g. "linear"
    chosen_label: str
    reason: str  # a plain sentence: which model and why
    metrics: list[ModelMetrics]
    history: pd.Series  # monthly revenue as used (missing months filled with 0)
    fitted: pd.Series  # chosen model on the history (NaN where undefined)
    # Indexed by month: forecast, lower_80, upper_80, lower_95, upper_95.
    forecast: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    backtest_origins: int = 0
    backtest_horizon: int = BACKTEST_HORIZON
    mase_lag: int = 1
    drivers: list[str] = field(default_factory=list)  # used by the chosen model
    interval_method: str = (
        "normal approximation with the RMS of backtest errors per horizon step"
    )

    def as_dict(self) -> dict:
        """JSON-ready: months as ISO dates, amounts (history, fitted, forecast and
        bounds, MAE) as strings of Decimals rounded half-up to cents, NaN as None.
        Percentages and MASE, which are not amounts, stay numbers."""

        def series(s: pd.Series) -> list[list]:
            return [[m.date().isoformat(), cents(v)] for m, v in s.items()]

        return {
            "chosen": self.chosen,
            "chosen_label": self.chosen_label,
            "reason": self.reason,
            "metrics": [
                {
                    **{k: getattr(row, k) for k in ModelMetrics.__dataclass_fields__},
                    "mae": cents(row.mae),
                }
                for row in self.metrics
            ],
            "history": series(self.history),
            "fitted": series(self.fitted),
            "forecast": [
                {"month": m.date().isoformat(), **{k: cents(v) for k, v in row.items()}}
                for m, row in self.forecast.to_dict("index").items()
            ],
            "warnings": list(self.warnings),
            "backtest_origins": self.backtest_origins,
            "backtest_horizon": self.backtest_horizon,
            "mase_lag": self.mase_lag,
            "drivers": list(self.drivers),
            "interval_method": self.interval_method,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ForecastResult:
        """The inverse of ``as_dict`` (amounts as rounded there): rebuild a stored
        result, e.g. to draw its chart. Reads amounts stored as text (now) or as
        floats (runs stored before amounts became text)."""

        def series(points: list[list], name: str) -> pd.Series:
            months = pd.DatetimeIndex([pd.Timestamp(m) for m, _v in points])
            values = [np.nan if v is None else float(v) for _m, v in points]
            return pd.Series(values, index=months, name=name, dtype=float)

        rows = data["forecast"]
        table = pd.DataFrame(
            [{k: _number(v) for k, v in row.items() if k != "month"} for row in rows],
            index=pd.DatetimeIndex([pd.Timestamp(row["month"]) for row in rows]),
            dtype=float,
        )
        table.index.name = "month"
        return cls(
            chosen=data["chosen"],
            chosen_label=data["chosen_label"],
            reason=data["reason"],
            metrics=[
                ModelMetrics(**{**row, "mae": _number(row.get("mae"))})
                for row in data["metrics"]
            ],
            history=series(data["history"], "revenue"),
            fitted=series(data["fitted"], "fitted"),
            forecast=table,
            warnings=list(data.get("warnings", [])),
            backtest_origins=data.get("backtest_origins", 0),
            backtest_horizon=data.get("backtest_horizon", BACKTEST_HORIZON),
            mase_lag=data.get("mase_lag", 1),
            drivers=list(data.get("drivers", [])),
        )


def _number(value) -> float | None:
    return None if value is None else float(value)


# --- Models -------------------------------------------------------------------------
# Each takes the training values y (numpy), the number of months to forecast and the
# design frame (one row per month from the start of the history on: trend position,
# month of year, drivers), and returns (fitted over y, forecast, notes).

Fit = tuple[np.ndarray, np.ndarray, tuple[str, ...]]


def _seasonal_naive(y: np.ndarray, steps: int, frame: pd.DataFrame, drivers) -> Fit:
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


def _linear(y: np.ndarray, steps: int, frame: pd.DataFrame, drivers) -> Fit:
    from sklearn.linear_model import LinearRegression

    n = len(y)
    x = _design(frame.iloc[: n + steps], n >= SEASONAL_MIN_MONTHS, drivers)
    predicted = LinearRegression().fit(x[:n], y).predict(x)
    return predicted[:n], predicted[n:], ()


def _holt_winters(y: np.ndarray, steps: int, frame: pd.DataFrame, drivers) -> Fit:
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
        fit = model.fit()
        # forecast() predicts again, and on a perfectly flat series its information
        # criteria take log(0): harmless, so it stays inside the filter too.
        fitted = np.asarray(fit.fittedvalues, float)
        forecast = np.asarray(fit.forecast(steps))
    notes = ("not converged",) if caught else ()
    return fitted, forecast, notes


@dataclass(frozen=True)
class _Model:
    key: str
    label: str
    phrase: str  # in a sentence
    fit: Callable[..., Fit]
    min_train: int
    uses_drivers: bool = False


# Baselines first: on a tie the simpler model wins.
MODELS = (
    _Model("seasonal_naive", "Seasonal naive", "seasonal naive", _seasonal_naive, 12),
    _Model("holt_winters", "Holt-Winters", "Holt-Winters", _holt_winters, 3),
    _Model("linear", "Linear regression", "linear regression", _linear, 3),
    _Model(
        "linear_drivers",
        "Linear regression with drivers",
        "linear regression with drivers",
        _linear,
        3,
        uses_drivers=True,
    ),
)
_BY_KEY = {m.key: m for m in MODELS}


def _models(keys: Iterable[str] | None) -> tuple[_Model, ...]:
    """The models to compare, in MODELS order (baselines first); all by default."""
    if keys is None:
        return MODELS
    wanted = set(keys)
    unknown = wanted - set(_BY_KEY)
    if unknown:
        raise ForecastError(f"Unknown model(s): {', '.join(sorted(unknown))}.")
    chosen = tuple(m for m in MODELS if m.key in wanted)
    if not chosen:
        raise ForecastError("No model to compare.")
    return chosen


def _one_blas_thread():
    """Holt-Winters' optimiser makes thousands of tiny BLAS calls; with a threaded BLAS
    each one pays for waking the threads (5x slower on two cores). One thread also
    leaves the other cores to the other jobs."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


# --- Input --------------------------------------------------------------------------


def _month_index(index) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(index)).to_period("M").to_timestamp()


def _prepare_history(history: pd.Series) -> tuple[pd.Series, list[str]]:
    if not isinstance(history, pd.Series):
        raise ForecastError("The revenue history must be a pandas Series.")
    notes = []
    values = pd.to_numeric(history.astype(float), errors="raise")
    values.index = _month_index(history.index)
    if values.index.has_duplicates:
        raise ForecastError("The revenue history has the same month more than once.")
    values = values.sort_index()
    if values.empty:
        raise ForecastError("There is no revenue history to forecast from.")
    months = pd.date_range(values.index[0], values.index[-1], freq="MS")
    missing = int(len(months) - values.notna().sum())
    values = values.reindex(months).fillna(0.0)
    values.name = "revenue"
    if missing:
        notes.append(
            f"{missing} month(s) without revenue in the history were counted as 0."
        )
    if len(values) < MIN_HISTORY_MONTHS:
        raise ForecastError(
            f"Only {len(values)} month(s) of revenue history: at least "
            f"{MIN_HISTORY_MONTHS} are needed before anything useful can be forecast."
        )
    return values, notes


def _design_frame(
    history: pd.Series, steps: int, drivers: pd.DataFrame | None
) -> tuple[pd.DataFrame, list[str], str]:
    """Trend and month-of-year for the history and `steps` months after it, with the
    usable driver columns; returns (frame, driver names, why drivers are unusable)."""
    months = pd.date_range(history.index[0], periods=len(history) + steps, freq="MS")
    frame = pd.DataFrame(
        {"trend": np.arange(len(months), dtype=float), "month": months.month},
        index=months,
    )
    if drivers is None or drivers.shape[1] == 0:
        return frame, [], "no drivers given"
    table = drivers.copy()
    table.index = _month_index(drivers.index)
    if table.index.has_duplicates:
        raise ForecastError("The drivers have the same month more than once.")
    table.columns = [str(c) for c in table.columns]
    try:
        table = table.apply(pd.to_numeric).astype(float)
    except (TypeError, ValueError) as exc:
        raise ForecastError(f"Driver values must be numbers ({exc}).") from exc
    table = table.reindex(months)
    names = list(table.columns)
    gaps = table.isna()
    past, future = gaps.iloc[: len(history)], gaps.iloc[len(history) :]
    if past.to_numpy().any():
        first = past.any(axis=1).idxmax()
        return (
            frame,
            [],
            (
                f"needs values of {', '.join(names)} for every history month; "
                f"the first missing is {first:%b %Y}"
            ),
        )
    if future.to_numpy().any():
        first = future.any(axis=1).idxmax()
        return (
            frame,
            [],
            (
                f"needs values of {', '.join(names)} for every forecast month; "
                f"the first missing is {first:%b %Y}"
            ),
        )
    return frame.join(table), names, ""


# --- Backtest -----------------------------------------------------------------------


def _mase_scales(y: np.ndarray, cuts: np.ndarray, lag: int) -> np.ndarray:
    diffs = np.abs(y[lag:] - y[:-lag])
    # Training window of length c holds the differences diffs[: c - lag].
    cumulative = np.concatenate([[0.0], np.cumsum(diffs)])
    return cumulative[cuts - lag] / (cuts - lag)


def _metrics(actual: np.ndarray, predicted: np.ndarray, scales: np.ndarray) -> dict:
    errors = np.abs(actual - predicted)
    nonzero = actual != 0
    denominator = np.abs(actual) + np.abs(predicted)
    smape_terms = np.divide(
        2 * errors, denominator, out=np.zeros_like(errors), where=denominator != 0
    )
    mase = None
    if np.all(scales > 0):
        mase = float(np.mean(errors / scales[:, None]))
    return {
        "mae": float(errors.mean()),
        "mape": float(np.mean(errors[nonzero] / np.abs(actual[nonzero])) * 100)
        if nonzero.any()
        else None,
        "smape": float(smape_terms.mean() * 100),
        "mase": mase,
    }


def backtest(
    history: pd.Series,
    *,
    drivers: pd.DataFrame | None = None,
    origins: int = BACKTEST_ORIGINS,
    horizon: int = BACKTEST_HORIZON,
    models: Iterable[str] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of every model, or of the ``models`` keys given (see
    the module docstring)."""
    y_series, _notes = _prepare_history(history)
    frame, driver_names, driver_problem = _design_frame(y_series, 0, drivers)
    with _one_blas_thread():
        return _backtest(
            y_series.to_numpy(),
            frame,
            driver_names,
            driver_problem,
            origins,
            horizon,
            _models(models),
        )


def _backtest(
    y: np.ndarray,
    frame: pd.DataFrame,
    driver_names: list[str],
    driver_problem: str,
    origins: int,
    horizon: int,
    models: tuple[_Model, ...] = MODELS,
) -> BacktestResult:
    n = len(y)
    origins = max(1, min(origins, n - horizon - MIN_TRAIN_MONTHS + 1))
    cuts = n - horizon - np.arange(origins)[::-1]
    if cuts[0] < MIN_TRAIN_MONTHS:
        raise ForecastError(f"{n} months are too few for a {horizon}-month backtest.")
    lag = SEASON if cuts[0] >= SEASONAL_MIN_MONTHS else 1
    scales = _mase_scales(y, cuts, lag)
    actual = y[cuts[:, None] + np.arange(horizon)]

    rows, errors = [], {}
    for model in models:
        label = {"key": model.key, "label": model.label}
        if model.uses_drivers and driver_problem:
            rows.append(ModelMetrics(**label, available=False, note=driver_problem))
            continue
        if cuts[0] < model.min_train:
            note = (
                f"needs {model.min_train} months before the first backtest origin, "
                f"has {cuts[0]}"
            )
            rows.append(ModelMetrics(**label, available=False, note=note))
            continue
        names = driver_names if model.uses_drivers else []
        predicted = np.vstack(
            [model.fit(y[:cut], horizon, frame, names)[1] for cut in cuts]
        )
        errors[model.key] = actual - predicted
        rows.append(
            ModelMetrics(
                **label,
                available=True,
                origins=origins,
                **_metrics(actual, predicted, scales),
            )
        )
    return BacktestResult(rows, errors, origins, horizon, lag, cuts)


# --- Choice, forecast, intervals ----------------------------------------------------


def _score(row: ModelMetrics) -> tuple[float, float]:
    inf = float("inf")
    mase = row.mase if row.mase is not None else inf
    return (mase, row.smape if row.smape is not None else inf)


def _reason(chosen: ModelMetrics, rows: list[ModelMetrics]) -> str:
    def fmt(row: ModelMetrics) -> str:
        return "n/a" if row.mase is None else f"{row.mase:.2f}"

    others = [r for r in rows if r.available and r.key != chosen.key]
    # The drivers variant without drivers given is not news; any other gap is.
    skipped = [r for r in rows if not r.available and r.note != "no drivers given"]
    if others:
        compared = [f"{fmt(r)} for {_BY_KEY[r.key].phrase}" for r in others]
        listing = (
            compared[0]
            if len(compared) == 1
            else ", ".join(compared[:-1]) + " and " + compared[-1]
        )
        text = f"{chosen.label}: backtest MASE {fmt(chosen)} vs {listing}."
    else:
        text = (
            f"{chosen.label}: the only model that could be backtested "
            f"(MASE {fmt(chosen)})."
        )
    if skipped:
        text += (
            " Not compared: "
            + "; ".join(f"{r.label} ({r.note})" for r in skipped)
            + "."
        )
    return text


def _sigmas(errors: np.ndarray, steps: int, floor: float) -> np.ndarray:
    horizon = errors.shape[1]
    rms = np.sqrt(np.mean(errors**2, axis=0))
    k = np.arange(1, steps + 1)
    sigma = np.where(
        k <= horizon,
        rms[np.minimum(k, horizon) - 1],
        rms[-1] * np.sqrt(k / horizon),
    )
    return np.maximum.accumulate(np.maximum(sigma, floor))


def forecast_revenue(
    history: pd.Series,
    *,
    horizon: int = 12,
    drivers: pd.DataFrame | None = None,
    origins: int = BACKTEST_ORIGINS,
    backtest_horizon: int = BACKTEST_HORIZON,
    models: Iterable[str] | None = None,
) -> ForecastResult:
    """Backtest the models (all, or the ``models`` keys given), pick the best MASE,
    refit it on all history and forecast `horizon` months (6 or 12 on the page) with
    80 % and 95 % intervals."""
    if not 1 <= horizon <= MAX_HORIZON:
        raise ForecastError(f"The horizon must be 1 to {MAX_HORIZON} months.")
    y_series, notes = _prepare_history(history)
    y = y_series.to_numpy()
    n = len(y)
    frame, driver_names, driver_problem = _design_frame(y_series, horizon, drivers)
    compared = _models(models)
    uses_drivers = any(m.uses_drivers for m in compared)
    if drivers is not None and driver_problem and uses_drivers:
        notes.append(f"Drivers not used: the regression with drivers {driver_problem}.")

    with _one_blas_thread():
        bt = _backtest(
            y,
            frame,
            driver_names,
            driver_problem,
            origins,
            backtest_horizon,
            compared,
        )
    if n < SEASONAL_MIN_MONTHS:
        notes.append(
            f"Only {n} months of history: {SEASONAL_MIN_MONTHS} are needed to estimate "
            "month-of-year effects, so linear regression and Holt-Winters model the "
            "level and trend only and seasonality is not modelled"
            + (" except by seasonal naive." if n > SEASON else ".")
        )
    elif bt.cuts[0] < SEASONAL_MIN_MONTHS:
        notes.append(
            "The earliest backtest windows are shorter than "
            f"{SEASONAL_MIN_MONTHS} months and were fit without seasonal terms, which "
            "the final fit has: the backtest understates the seasonal models a little."
        )
    if bt.origins < origins:
        notes.append(
            f"The backtest has only {bt.origins} origin(s) instead of {origins}: "
            "the model choice and the intervals are rough."
        )

    available = [r for r in bt.metrics if r.available]
    if not available:
        raise ForecastError("No model could be backtested on this history.")
    best = min(available, key=_score)
    metrics = [
        ModelMetrics(**{**r.__dict__, "chosen": r.key == best.key}) for r in bt.metrics
    ]
    model = _BY_KEY[best.key]
    names = driver_names if model.uses_drivers else []
    with _one_blas_thread():
        fitted, point, fit_notes = model.fit(y, horizon, frame, names)
    if fit_notes:
        notes.append(
            "Holt-Winters' optimiser did not fully converge; its estimates are rough."
        )

    residuals = (y - fitted)[np.isfinite(fitted)]
    in_sample = float(np.sqrt(np.mean(residuals**2))) if residuals.size else 0.0
    sigma = _sigmas(bt.errors[best.key], horizon, in_sample)
    months = frame.index[n : n + horizon]
    table = pd.DataFrame(
        {
            "forecast": point,
            "lower_80": point - Z80 * sigma,
            "upper_80": point + Z80 * sigma,
            "lower_95": point - Z95 * sigma,
            "upper_95": point + Z95 * sigma,
        },
        index=months,
    )
    if (y >= 0).all():
        table = table.clip(lower=0.0)
    table.index.name = "month"

    return ForecastResult(
        chosen=best.key,
        chosen_label=best.label,
        reason=_reason(best, bt.metrics),
        metrics=metrics,
        history=y_series,
        fitted=pd.Series(fitted, index=y_series.index, name="fitted"),
        forecast=table,
        warnings=notes,
        backtest_origins=bt.origins,
        backtest_horizon=bt.horizon,
        mase_lag=bt.mase_lag,
        drivers=names,
    )


# --- Chart --------------------------------------------------------------------------


def forecast_chart_svg(
    result: ForecastResult, currency: str, *, measure: str = "Revenue"
) -> str:
    """History, fitted values, forecast and its 80 % / 95 % bands as an inline SVG
    (matplotlib, Agg back end). Callers cache it per data version. The forecast line
    carries the SVG id "forecast", with one marker per forecast month. ``measure``
    and ``currency`` name the y axis: "Revenue (EUR)", or "Units (pcs)" for a
    product's units."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.dates import AutoDateLocator, DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    history, fitted, table = result.history, result.fitted, result.forecast
    # Text stays text (selectable, small); ids are stable so the same data gives the
    # same SVG.
    svg_options = {"svg.hashsalt": "sms-forecast", "svg.fonttype": "none"}
    with matplotlib.rc_context(svg_options):
        figure = Figure(figsize=(9, 3.6), dpi=100)
        axes = figure.add_subplot()
        axes.fill_between(
            table.index,
            table["lower_95"],
            table["upper_95"],
            color="#0d6efd",
            alpha=0.12,
            linewidth=0,
            label="95 % interval",
            gid="band-95",
        )
        axes.fill_between(
            table.index,
            table["lower_80"],
            table["upper_80"],
            color="#0d6efd",
            alpha=0.25,
            linewidth=0,
            label="80 % interval",
            gid="band-80",
        )
        axes.plot(
            history.index,
            history.to_numpy(),
            color="#212529",
            linewidth=1.6,
            label=measure,
            gid="history",
        )
        axes.plot(
            fitted.index,
            fitted.to_numpy(),
            color="#6c757d",
            linewidth=1,
            linestyle="--",
            label=f"Fitted ({result.chosen_label})",
            gid="fitted",
        )
        # Joined to the last actual month so the line does not start in mid-air.
        axes.plot(
            [history.index[-1], table.index[0]],
            [history.iloc[-1], table["forecast"].iloc[0]],
            color="#0d6efd",
            linewidth=1.6,
            linestyle=":",
        )
        axes.plot(
            table.index,
            table["forecast"].to_numpy(),
            color="#0d6efd",
            linewidth=1.8,
            marker="o",
            markersize=3.5,
            label="Forecast",
            gid="forecast",
        )
        axes.axvline(table.index[0], color="#adb5bd", linewidth=0.8)

        locator = AutoDateLocator(minticks=4, maxticks=10)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(DateFormatter("%b %Y"))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        axes.tick_params(labelsize=8)
        for label in axes.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
        axes.set_xlabel("Month", fontsize=9)
        axes.set_ylabel(f"{measure} ({currency})", fontsize=9)
        axes.set_ylim(bottom=min(0.0, float(table["lower_95"].min())))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(fontsize=8, frameon=False, loc="upper left", ncols=3)
        figure.tight_layout()

        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]
    return re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
        r'<svg\1 class="w-100 h-auto" role="img" aria-label="'
        + measure
        + ' forecast chart"',
        svg,
        count=1,
    )
