"""The forecast page's backtest table, from a run's stored series entry: one row per
model, the metrics 3 and 12 months ahead, and every "n/a" with its reason as a
numbered note under the table (a metric is never shown as n/a without one)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

# (key, label) in the order of the columns, for each horizon.
COLUMNS = (
    ("mape", "MAPE"),
    ("smape", "sMAPE"),
    ("mase", "MASE"),
    ("mse", "MSE"),
    ("rmse", "RMSE"),
)
PERCENT = {"mape", "smape"}
AMOUNT = {"mse", "rmse"}


def _text(key: str, value, decimals: int) -> str:
    if key in PERCENT:
        return f"{value:.1f} %"
    if key == "mase":
        return f"{value:.2f}"
    quantum = Decimal(1).scaleb(-decimals)
    amount = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{amount:,}"


class _Notes:
    """The reasons, numbered in order of first use; the same reason, one number."""

    def __init__(self):
        self.numbers: dict[str, int] = {}

    def number(self, reason: str) -> int:
        return self.numbers.setdefault(reason, len(self.numbers) + 1)

    def as_list(self) -> list[dict]:
        return [{"number": n, "reason": r} for r, n in self.numbers.items()]


def _cells(values: dict, notes: _Notes, decimals: int) -> list[dict]:
    cells = []
    reasons = values.get("na") or {}
    for key, _label in COLUMNS:
        value = values.get(key)
        if value is not None:
            cells.append({"key": key, "text": _text(key, float(value), decimals)})
            continue
        if key in reasons:
            reason = reasons[key]
        elif key not in values:
            reason = _("not computed: the run was made before this metric existed")
        else:
            reason = _(
                "undefined for this series (the run was made before the reasons "
                "were recorded)"
            )
        cells.append({"key": key, "text": "n/a", "note": notes.number(reason)})
    return cells


def forecast_metric_table(entry: dict) -> dict:
    """{"rows": [{"label", "chosen", "available", "note", "short", "long"}], "notes":
    [{"number", "reason"}], origins and horizons} for ``entry`` (a stored series
    or product forecast). Units get one decimal for MSE and RMSE, money none."""
    decimals = 1 if "unit" in entry else 0
    notes = _Notes()
    long_origins = entry.get("long_origins", 0)
    long_reason = entry.get("long_note") or _(
        "not computed: the run was made before the 12-month backtest existed"
    )
    rows = []
    for row in entry["metrics"]:
        item = {
            "key": row["key"],
            "label": row["label"],
            "chosen": row.get("chosen", False),
            "available": row["available"],
            "note": row.get("note", ""),
        }
        if row["available"]:
            item["short"] = _cells(row, notes, decimals)
            long = row.get("long") or {}
            if not long_origins and not long.get("na"):
                long = {"na": dict.fromkeys((k for k, _l in COLUMNS), long_reason)}
            item["long"] = _cells(long, notes, decimals)
        rows.append(item)
    return {
        "challenger": any(r["key"] == "gradient_boosting" for r in rows),
        "columns": [label for _key, label in COLUMNS],
        "span": 2 * len(COLUMNS),
        "rows": rows,
        "notes": notes.as_list(),
        "origins": entry.get("backtest_origins", 0),
        "horizon": entry.get("backtest_horizon", 3),
        "long_origins": long_origins,
        "long_horizon": entry.get("long_horizon", 12),
    }


def mase_text(row: dict | None) -> str:
    """A row's 3-month MASE as shown in a sentence: the number, or n/a with why."""
    if row is None:
        return _("n/a (the model was not compared)")
    if row.get("mase") is not None:
        return f"{row['mase']:.2f}"
    reason = (row.get("na") or {}).get("mase") or row.get("note")
    return _("n/a (%(reason)s)") % {"reason": reason or _("undefined for this series")}
