"""python manage.py run_forecast [--as-of DATE] [--horizon 6|12] [--top-products N]
[--reorder-cover-months N]"""

from argparse import ArgumentTypeError

from analytics.job_options import (
    DEFAULT_REORDER_COVER_MONTHS,
    DEFAULT_TOP_PRODUCTS,
    FORECAST_HORIZONS,
    MAX_TOP_PRODUCTS,
)
from analytics.management.commands._jobs import JobCommand
from analytics.models import JobRun


def product_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = -1
    if not 0 <= count <= MAX_TOP_PRODUCTS:
        raise ArgumentTypeError(
            f"{value!r} is not a whole number from 0 to {MAX_TOP_PRODUCTS}."
        )
    return count


class Command(JobCommand):
    help = (
        "Run the sales forecast in this process, as the Jobs page does: the run is "
        "recorded on the Jobs page with its result."
    )
    kind = JobRun.Kind.FORECAST

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--horizon",
            type=int,
            choices=FORECAST_HORIZONS,
            help="Months to forecast (default 12).",
        )
        parser.add_argument(
            "--top-products",
            type=product_count,
            metavar="N",
            help="Forecast the units of the N products with the most revenue over "
            f"the last 12 months (0 to {MAX_TOP_PRODUCTS}, default "
            f"{DEFAULT_TOP_PRODUCTS}); they get a suggested reorder quantity.",
        )
        parser.add_argument(
            "--reorder-cover-months",
            type=int,
            choices=range(1, max(FORECAST_HORIZONS) + 1),
            metavar="N",
            help="Months of demand a suggested reorder covers: lead time plus review "
            f"period (1 to the horizon, default {DEFAULT_REORDER_COVER_MONTHS}).",
        )

    def job_parameters(self, options: dict) -> dict:
        parameters = {}
        if options["horizon"] is not None:
            parameters["horizon"] = options["horizon"]
        for name in ("top_products", "reorder_cover_months"):
            if options[name] is not None:
                parameters[name] = options[name]
        return parameters
