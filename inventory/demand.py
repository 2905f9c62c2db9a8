"""Demand forecasts other apps give the stock pages, without inventory importing
them (analytics depends on inventory, not the other way round; see DESIGN.md).

An app registers a provider in its AppConfig.ready(): a function returning, per
product id, the units expected to be needed over the coming months. The stock pages
turn that into a suggested reorder quantity: the demand minus what is available now
(on hand - reserved over all warehouses), never below 0. Products without a forecast
get no suggestion.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DemandForecast:
    """Units expected to be needed from ``first_month`` to ``last_month``
    (inclusive), and a plain sentence on where the number comes from."""

    units: int
    first_month: date
    last_month: date
    basis: str = ""
    url: str = ""  # where the forecast can be seen, if anywhere


# (*) -> {product id: DemandForecast}; one query at most, whatever the products.
DemandProvider = Callable[[], dict[int, DemandForecast]]

_PROVIDERS: dict[str, DemandProvider] = {}


def demand_provider_register(*, key: str, provider: DemandProvider) -> None:
    _PROVIDERS[key] = provider


def demand_forecasts() -> dict[int, DemandForecast]:
    """Every registered provider's forecasts (by key order; a later key wins for
    the same product). Empty when nothing is registered."""
    out: dict[int, DemandForecast] = {}
    for key in sorted(_PROVIDERS):
        out.update(_PROVIDERS[key]())
    return out


def forecast_reorder_quantity(*, demand: DemandForecast, available: int) -> int:
    """What to order so that the forecast demand is covered: demand minus available
    now, floored at 0."""
    return max(demand.units - available, 0)
