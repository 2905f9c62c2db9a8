"""Monthly revenue forecasting: pure computation, no Django and no database.

Input: a pandas Series of monthly revenue (or units) indexed by month (month-start
dates; any day of the month is read as that month, missing months are filled with 0
since no orders means no sales), optionally a DataFrame of external drivers
(marketing spend, an economic index...) indexed the same way, with values for the
history *and* for the months to forecast.

The series starts with its first month with sales: months before it are dropped,
never counted as 0. A series whose last 12 months (``STALE_MONTHS``) have no sales
is not forecast (ForecastError): every model would learn to repeat zeros and the
backtest would call that perfect. Zero months inside the history are kept, with a
warning that says how many (and how many of them end it).

Models compared (analytics/forecast_models.py; see ../shared/DESIGN.md, "Analytics,
precisely"), simplest first:

* Seasonal naive: the value twelve months earlier.
* Holt-Winters (statsmodels' ExponentialSmoothing): additive trend and additive
  seasonality (period 12) with 24 months or more, additive trend only from 10 months,
  simple exponential smoothing below that.
* Linear regression on a trend term + month-of-year one-hot (11 dummies once there
  are 24 months), and a second variant with the drivers added when they are given
  with values for every history and forecast month (otherwise that variant is
  skipped, with the reason in its metrics row and in the warnings).
* Gradient boosting (scikit-learn, the machine-learning challenger): lags 1, 2, 3
  (and 12 from 24 months) and the month of year, forecast recursively.

``models=`` limits the comparison to some of them (in the same order, so ties still go
to the simpler model): per-product unit forecasts compare seasonal naive and linear
regression only.

Rolling-origin backtest. Origins are one month apart and end at the last month: by
default 12 of them (``BACKTEST_ORIGINS``), each forecasting the next 3 months
(``BACKTEST_HORIZON``) from the history before it; the choice is made on these. All
models are judged on the same origins. Seasonal naive and gradient boosting need 12
months of history before the first origin: with a shorter history the backtest has
fewer origins (``n - 14`` with ``n`` months), down to 6 (``MIN_ORIGINS``); below that
those two models are left out (with the reason) and the others get up to 12 origins,
each with at least 3 months to fit. Every model is also backtested 12 months ahead
(``LONG_HORIZON``), on up to 12 origins one month apart ending 12 months before the
last month, when the history is long enough for one; reported, not used for the
choice. Each fit is made once per origin and serves both horizons.

Per model and horizon: MAE, MSE, RMSE, MAPE (months with no sales left out), sMAPE
(a 0/0 term counts as 0) and MASE, each with the reason when it is undefined (``na``).
MASE scales each origin's absolute errors by the mean absolute seasonal difference
(lag 12) of that origin's training data when the shortest training window has at
least 24 months (twelve seasonal differences); below that lag 1 (the naive one-step
MAE), since one or two seasonal differences give too noisy a scale. The model with
the lowest 3-month backtest MASE is chosen, ties (equal to 9 decimals) going to the
first in ``MODELS`` (the baselines), so the choice can never be worse on the
backtest than the best baseline, and gradient boosting is chosen only when it is
strictly the best. When MASE is undefined (a training window with no change, so a
zero scale: it then is for every model) the lowest sMAPE decides, and the reason
says so.

Prediction intervals: a normal approximation, point +/- z * sigma_k per horizon step
k, with sigma_k the root mean square of the chosen model's 3-month backtest errors at
step k (bias included); beyond the third month sigma grows like sqrt(k / 3) from the
last backtested step; sigma never falls below the model's in-sample residual RMS and
never shrinks with the horizon. Revenue is not negative: when the history has no
negative month, forecasts and bounds are clipped at 0.

``ForecastResult.as_dict`` is the stored form: amounts (and MSE) as text of Decimals
rounded half-up to cents (never floats); ``from_dict`` reads that and the older float
form.

Fewer than 6 months: ForecastError (nothing honest can be said). Fewer than 24: no
seasonal terms, with a warning. Fewer backtest origins than asked: a warning saying
how many and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from analytics.forecast_models import (
    BY_KEY,
    MODELS,
    SEASON,
    SEASONAL_MIN_MONTHS,
    Model,
)

MIN_HISTORY_MONTHS = 6
MIN_TRAIN_MONTHS = 3
BACKTEST_ORIGINS = 12
BACKTEST_HORIZON = 3
LONG_HORIZON = 12
# Fewer origins than this for the models that need a year before the first one, and
# they are left out: a choice made on three or four origins hinges on a few months.
MIN_ORIGINS = 6
# A year without a single sale: every calendar month has come round empty, so the
# series has ended; forecasting it would only repeat zeros.
STALE_MONTHS = 12
MAX_HORIZON = 24
Z80 = 1.2815515655446004  # two-sided 80 %: the 90th percentile of N(0, 1)
Z95 = 1.959963984540054  # two-sided 95 %: the 97.5th percentile
CENT = Decimal("0.01")
# The metrics of a backtest, as shown; the first three are in the series' unit (MSE
# in its square) and stored as Decimal text.
METRICS = ("mae", "mse", "rmse", "mape", "smape", "mase")
AMOUNT_METRICS = ("mae", "mse", "rmse")
TIE_DECIMALS = 9


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
    """One row of the backtest table. Percentages for MAPE and sMAPE. A metric that
    is undefined is None, with the reason in ``na`` (metric -> reason); a model that
    was not compared has ``available`` False and the reason in ``note``. ``long``
    holds the 12-month-ahead backtest: origins, the same metrics and their ``na``."""

    key: str
    label: str
    available: bool
    mae: float | None = None
    mse: float | None = None
    rmse: float | None = None
    mape: float | None = None
    smape: float | None = None
    mase: float | None = None
    origins: int = 0
    note: str = ""
    chosen: bool = False
    na: dict = field(default_factory=dict)
    long: dict = field(default_factory=dict)


@dataclass
class BacktestResult:
    metrics: list[ModelMetrics]
    errors: dict[str, np.ndarray]  # key -> (origins x horizon) actual - predicted
    origins: int
    horizon: int
    mase_lag: int
    cuts: np.ndarray  # training-window lengths, one per origin
    origins_note: str = ""  # why fewer origins than asked
    long_origins: int = 0
    long_horizon: int = LONG_HORIZON
    long_mase_lag: int | None = None
    long_note: str = ""  # why there is no 12-month backtest


@dataclass
class ForecastResult:
    chosen: str  # key of the chosen model, e.g. "linear"
    chosen_label: str
    reason: str  # a plain sentence: which model and why
    metrics: list[ModelMetrics]
    history: pd.Series  # monthly values as used (from the first month with sales)
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
    long_origins: int = 0
    long_horizon: int = LONG_HORIZON
    long_mase_lag: int | None = None
    long_note: str = ""

    def as_dict(self) -> dict:
        """JSON-ready: months as ISO dates, amounts (history, fitted, forecast and
        bounds, MAE, MSE, RMSE) as strings of Decimals rounded half-up to cents, NaN
        as None. Percentages and MASE, which are not amounts, stay numbers."""

        def series(s: pd.Series) -> list[list]:
            return [[m.date().isoformat(), cents(v)] for m, v in s.items()]

        return {
            "chosen": self.chosen,
            "chosen_label": self.chosen_label,
            "reason": self.reason,
            "metrics": [_metrics_row_dict(row) for row in self.metrics],
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
            "long_origins": self.long_origins,
            "long_horizon": self.long_horizon,
            "long_mase_lag": self.long_mase_lag,
            "long_note": self.long_note,
            "drivers": list(self.drivers),
            "interval_method": self.interval_method,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ForecastResult:
        """The inverse of ``as_dict`` (amounts as rounded there): rebuild a stored
        result, e.g. to draw its chart. Reads amounts stored as text (now) or as
        floats (runs stored before amounts became text), and runs stored before MSE,
        RMSE and the 12-month backtest existed."""

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
            metrics=[_metrics_row_read(row) for row in data["metrics"]],
            history=series(data["history"], "revenue"),
            fitted=series(data["fitted"], "fitted"),
            forecast=table,
            warnings=list(data.get("warnings", [])),
            backtest_origins=data.get("backtest_origins", 0),
            backtest_horizon=data.get("backtest_horizon", BACKTEST_HORIZON),
            mase_lag=data.get("mase_lag", 1),
            drivers=list(data.get("drivers", [])),
            long_origins=data.get("long_origins", 0),
            long_horizon=data.get("long_horizon", LONG_HORIZON),
            long_mase_lag=data.get("long_mase_lag"),
            long_note=data.get("long_note", ""),
        )


def _number(value) -> float | None:
    return None if value is None else float(value)


def _amounts_as_text(values: dict) -> dict:
    return {k: cents(v) if k in AMOUNT_METRICS else v for k, v in values.items()}


def _amounts_read(values: dict) -> dict:
    return {k: _number(v) if k in AMOUNT_METRICS else v for k, v in values.items()}


def _metrics_row_dict(row: ModelMetrics) -> dict:
    data = {k: getattr(row, k) for k in ModelMetrics.__dataclass_fields__}
    data = _amounts_as_text(data)
    data["na"] = dict(row.na)
    data["long"] = _amounts_as_text(row.long)
    return data


def _metrics_row_read(row: dict) -> ModelMetrics:
    data = _amounts_read(row)
    data["long"] = _amounts_read(row.get("long") or {})
    known = ModelMetrics.__dataclass_fields__
    return ModelMetrics(**{k: v for k, v in data.items() if k in known})


def _models(keys: Iterable[str] | None) -> tuple[Model, ...]:
    """The models to compare, in MODELS order (baselines first); all by default."""
    if keys is None:
        return MODELS
    wanted = set(keys)
    unknown = wanted - set(BY_KEY)
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
    """The monthly series from its first month with sales to its last month, gaps
    filled with 0, and the warnings about it. ForecastError when there is nothing
    honest to forecast from: no sales, a year or more without any at the end, or
    fewer than 6 months."""
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
    values = values.reindex(months).fillna(0.0)
    values.name = "revenue"
    sold = np.flatnonzero(values.to_numpy() != 0)
    if not sold.size:
        raise ForecastError("The history has no sales to forecast from.")
    # Months before the first sale are not part of the series: a product launched
    # last spring did not sell nothing the years before.
    values = values.iloc[sold[0] :]
    trailing = len(values) - 1 - (sold[-1] - sold[0])
    if trailing >= STALE_MONTHS:
        raise ForecastError(
            f"No sales in the last {trailing} months of the history (the last in "
            f"{values.index[sold[-1] - sold[0]]:%b %Y}): a forecast from it would "
            "only repeat zeros."
        )
    zeros = int((values.to_numpy() == 0).sum())
    if zeros:
        notes.append(
            f"{zeros} of {len(values)} months in the history had no sales and were "
            "counted as 0"
            + (f", including the last {trailing} in a row." if trailing else ".")
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


@dataclass(frozen=True)
class _Plan:
    """Which origins the backtest uses, and which models the history leaves out."""

    cuts: np.ndarray  # training-window lengths of the 3-month origins
    long_cuts: np.ndarray  # ... of the 12-month origins (maybe none)
    train: int  # months of history before the first origin
    left_out: dict  # model key -> why it is not compared
    origins_note: str
    long_note: str


def _plan(
    n: int, models: tuple[Model, ...], origins: int, horizon: int, long_horizon: int
) -> _Plan:
    floor = min(origins, MIN_ORIGINS)
    left_out = {}
    for model in models:
        possible = n - horizon - model.min_train + 1
        if model.min_train > MIN_TRAIN_MONTHS and possible < floor:
            left_out[model.key] = (
                f"needs {model.min_train} months of history before each backtest "
                f"origin, and {n} months leave room for {max(possible, 0)} "
                f"origin(s), fewer than {floor}"
            )
    kept = [m.min_train for m in models if m.key not in left_out]
    train = max(kept, default=MIN_TRAIN_MONTHS)
    possible = n - horizon - train + 1
    if possible < 1:
        raise ForecastError(f"{n} months are too few for a {horizon}-month backtest.")
    count = min(origins, possible)
    origins_note = ""
    if count < origins:
        origins_note = (
            f"The backtest has only {count} origin(s) instead of {origins}: with {n} "
            f"months of history, each origin needs {train} months before it to fit "
            f"the models and {horizon} after it to check them, so the model choice "
            "and the intervals are rougher."
        )
    long_possible = n - long_horizon - train + 1
    long_count = max(0, min(origins, long_possible))
    long_note = ""
    if not long_count:
        long_note = (
            f"needs at least {train + long_horizon} months of history ({train} to fit "
            f"before the first origin and {long_horizon} to check), has {n}"
        )
    return _Plan(
        cuts=n - horizon - np.arange(count)[::-1],
        long_cuts=n - long_horizon - np.arange(long_count)[::-1],
        train=train,
        left_out=left_out,
        origins_note=origins_note,
        long_note=long_note,
    )


def _mase_lag(cuts: np.ndarray) -> int:
    return SEASON if cuts[0] >= SEASONAL_MIN_MONTHS else 1


def _mase_scales(y: np.ndarray, cuts: np.ndarray, lag: int) -> np.ndarray:
    diffs = np.abs(y[lag:] - y[:-lag])
    # Training window of length c holds the differences diffs[: c - lag].
    cumulative = np.concatenate([[0.0], np.cumsum(diffs)])
    return cumulative[cuts - lag] / (cuts - lag)


def _mase_na(lag: int) -> str:
    if lag == SEASON:
        return (
            "the history before a backtest origin repeats exactly from year to year, "
            "so the seasonal naive error that scales MASE is 0"
        )
    return (
        "the history before a backtest origin does not change from month to month, "
        "so the naive error that scales MASE is 0"
    )


def _metrics(
    actual: np.ndarray, predicted: np.ndarray, scales: np.ndarray, lag: int
) -> dict:
    """The backtest metrics of one model at one horizon, and ``na``: the reason for
    each that is undefined."""
    errors = np.abs(actual - predicted)
    nonzero = actual != 0
    denominator = np.abs(actual) + np.abs(predicted)
    smape_terms = np.divide(
        2 * errors, denominator, out=np.zeros_like(errors), where=denominator != 0
    )
    mse = float(np.mean(errors**2))
    values = {
        "mae": float(errors.mean()),
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mape": None,
        "smape": float(smape_terms.mean() * 100),
        "mase": None,
        "na": {},
    }
    if nonzero.any():
        values["mape"] = float(np.mean(errors[nonzero] / np.abs(actual[nonzero])) * 100)
    else:
        values["na"]["mape"] = (
            "every month checked had no sales, and MAPE divides by the actual value"
        )
    if np.all(scales > 0):
        values["mase"] = float(np.mean(errors / scales[:, None]))
    else:
        values["na"]["mase"] = _mase_na(lag)
    return values


def backtest(
    history: pd.Series,
    *,
    drivers: pd.DataFrame | None = None,
    origins: int = BACKTEST_ORIGINS,
    horizon: int = BACKTEST_HORIZON,
    long_horizon: int = LONG_HORIZON,
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
            long_horizon,
        )


def _backtest(
    y: np.ndarray,
    frame: pd.DataFrame,
    driver_names: list[str],
    driver_problem: str,
    origins: int,
    horizon: int,
    models: tuple[Model, ...] = MODELS,
    long_horizon: int = LONG_HORIZON,
) -> BacktestResult:
    n = len(y)
    plan = _plan(n, models, origins, horizon, long_horizon)
    cuts, long_cuts = plan.cuts, plan.long_cuts
    # One fit per model and origin, forecasting as far as either horizon needs.
    steps = dict.fromkeys(cuts.tolist(), horizon)
    steps.update(dict.fromkeys(long_cuts.tolist(), long_horizon))
    lag = _mase_lag(cuts)
    scales = _mase_scales(y, cuts, lag)
    actual = y[cuts[:, None] + np.arange(horizon)]
    long_lag = _mase_lag(long_cuts) if long_cuts.size else None
    if long_cuts.size:
        long_scales = _mase_scales(y, long_cuts, long_lag)
        long_actual = y[long_cuts[:, None] + np.arange(long_horizon)]

    rows, errors = [], {}
    for model in models:
        label = {"key": model.key, "label": model.label}
        if model.uses_drivers and driver_problem:
            rows.append(ModelMetrics(**label, available=False, note=driver_problem))
            continue
        if model.key in plan.left_out:
            note = plan.left_out[model.key]
            rows.append(ModelMetrics(**label, available=False, note=note))
            continue
        names = driver_names if model.uses_drivers else []
        forecasts = {
            cut: model.fit(y[:cut], count, frame, names)[1]
            for cut, count in steps.items()
        }
        predicted = np.vstack([forecasts[cut][:horizon] for cut in cuts.tolist()])
        errors[model.key] = actual - predicted
        if long_cuts.size:
            long_predicted = np.vstack([forecasts[c] for c in long_cuts.tolist()])
            long = _metrics(long_actual, long_predicted, long_scales, long_lag)
            long["origins"] = int(long_cuts.size)
        else:
            long = {
                "origins": 0,
                **dict.fromkeys(METRICS),
                "na": dict.fromkeys(METRICS, plan.long_note),
            }
        rows.append(
            ModelMetrics(
                **label,
                available=True,
                origins=int(cuts.size),
                **_metrics(actual, predicted, scales, lag),
                long=long,
            )
        )
    return BacktestResult(
        rows,
        errors,
        int(cuts.size),
        horizon,
        lag,
        cuts,
        origins_note=plan.origins_note,
        long_origins=int(long_cuts.size),
        long_horizon=long_horizon,
        long_mase_lag=long_lag,
        long_note=plan.long_note,
    )


# --- Choice, forecast, intervals ----------------------------------------------------


def _score(row: ModelMetrics) -> tuple[float, float]:
    """Lowest MASE first, then lowest sMAPE; rounded so that float noise is a tie
    (which the simpler model, first in MODELS, wins)."""
    inf = float("inf")
    mase = inf if row.mase is None else round(row.mase, TIE_DECIMALS)
    smape = inf if row.smape is None else round(row.smape, TIE_DECIMALS)
    return (mase, smape)


def _listing(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _digits(best: float, others: list[float | None]) -> int:
    """Decimals enough (2 to 4) that a close runner-up does not read as a tie."""
    digits = 2
    while digits < 4 and any(
        v is not None and v != best and f"{v:.{digits}f}" == f"{best:.{digits}f}"
        for v in others
    ):
        digits += 1
    return digits


def _reason(chosen: ModelMetrics, rows: list[ModelMetrics]) -> str:
    others = [r for r in rows if r.available and r.key != chosen.key]
    # The drivers variant without drivers given is not news; any other gap is.
    skipped = [r for r in rows if not r.available and r.note != "no drivers given"]
    if chosen.mase is not None:
        digits = _digits(chosen.mase, [r.mase for r in others])

        def fmt(row: ModelMetrics) -> str:
            if row.mase is None:
                return f"n/a ({row.na.get('mase', 'undefined')})"
            return f"{row.mase:.{digits}f}"

        if others:
            compared = [f"{fmt(r)} for {BY_KEY[r.key].phrase}" for r in others]
            text = (
                f"{chosen.label}: backtest MASE {fmt(chosen)} vs {_listing(compared)}."
            )
        else:
            text = (
                f"{chosen.label}: the only model that could be backtested "
                f"(MASE {fmt(chosen)})."
            )
    else:
        why = chosen.na.get("mase", "undefined")
        if others:
            compared = [f"{r.smape:.1f} % for {BY_KEY[r.key].phrase}" for r in others]
            text = (
                f"{chosen.label}: the lowest backtest sMAPE, {chosen.smape:.1f} % vs "
                f"{_listing(compared)}. MASE is n/a for every model: {why}."
            )
        else:
            text = (
                f"{chosen.label}: the only model that could be backtested (sMAPE "
                f"{chosen.smape:.1f} %; MASE n/a: {why})."
            )
    if any(_score(r) == _score(chosen) for r in others):
        text += " On a tie the simpler model is used."
    if skipped:
        text += (
            " Not compared: "
            + "; ".join(f"{r.label} ({r.note})" for r in skipped)
            + "."
        )
    return text


def _seasonal_gap_notes(
    compared: tuple[Model, ...], bt: BacktestResult, n: int
) -> list[str]:
    """A warning when backtest windows were too short for seasonal terms that the
    final fit on all ``n`` months has: the backtest then measures a plainer model."""
    available = {r.key for r in bt.metrics if r.available}
    by_start: dict[int, list[Model]] = {}
    for model in compared:
        start = model.seasonal_from
        if model.key in available and start is not None and bt.cuts[0] < start <= n:
            by_start.setdefault(start, []).append(model)
    notes = []
    for start, models in sorted(by_start.items()):
        short = int((bt.cuts < start).sum())
        terms = _listing(list(dict.fromkeys(m.seasonal_terms for m in models)))
        notes.append(
            f"{short} of the {bt.origins} backtest windows are shorter than {start} "
            f"months and were fit without {terms}, which the final fit on {n} months "
            f"has: the backtest understates {_listing([m.phrase for m in models])} "
            "a little."
        )
    return notes


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
    notes.extend(_seasonal_gap_notes(compared, bt, n))
    if bt.origins_note:
        notes.append(bt.origins_note)

    available = [r for r in bt.metrics if r.available]
    if not available:
        raise ForecastError("No model could be backtested on this history.")
    best = min(available, key=_score)
    metrics = [
        ModelMetrics(**{**r.__dict__, "chosen": r.key == best.key}) for r in bt.metrics
    ]
    model = BY_KEY[best.key]
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
        long_origins=bt.long_origins,
        long_horizon=bt.long_horizon,
        long_mase_lag=bt.long_mase_lag,
        long_note=bt.long_note,
    )
