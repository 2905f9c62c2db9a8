"""The jobs' options and limits that forms, commands and pages show or check.

Plain data, apart from the calculation modules (analytics/runners.py,
clustering.py), so that importing a form or a view does not import pandas,
scikit-learn or matplotlib: start-up stays light (see docs/operations.md).
"""

from datetime import date

from analytics.months import month_back

# Segmentation: the customer features clustered, and the numbers of clusters tried.
BASE_FEATURES = ("recency_days", "frequency", "monetary")
OPTIONAL_FEATURES = ("avg_order_value", "tenure_days")
K_RANGE = (2, 8)
FEATURE_TITLES = {
    "recency_days": "Days since last order",
    "frequency": "Orders",
    "monetary": "Net revenue",
    "avg_order_value": "Average order value",
    "tenure_days": "Days since first order",
}

FORECAST_HORIZONS = (6, 12)
# The forecast reads at most this many months of history, up to its last complete
# month: ten years cover every seasonal model, and an order dated in year 1 (a typo
# in an old import) cannot stretch the history to 24,000 months.
FORECAST_HISTORY_MONTHS = 120
# Products forecast in units: the top ones by revenue over the last 12 months.
DEFAULT_TOP_PRODUCTS = 20
MAX_TOP_PRODUCTS = 200
# Reorder suggestion: forecast demand over lead time + review period (months,
# counting the month under way), at the upper 80 % bound, minus what is available.
DEFAULT_REORDER_COVER_MONTHS = 2


def forecast_history_start(end: date) -> date:
    """The first day of the forecast's history window ending with ``end``."""
    return month_back(end, FORECAST_HISTORY_MONTHS - 1)
