"""The forecast's reorder suggestion on the inventory pages, through the
inventory.demand registry: a hand-made forecast run, hand-counted stock."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import JobRun
from inventory.demand import demand_forecasts
from inventory.services import stock_reserve
from tests.inventory.factories import WarehouseFactory, stocked
from tests.inventory.test_views import OVERVIEW_QUERIES
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db
OVERVIEW = "/inventory/"


def forecast_run(units: dict, *, finished_days_ago: int = 0, **reorder) -> JobRun:
    """A succeeded forecast run whose summary asks for ``units`` per product."""
    return JobRun.objects.create(
        kind=JobRun.Kind.FORECAST,
        status=JobRun.Status.SUCCEEDED,
        finished_at=timezone.now() - timedelta(days=finished_days_ago),
        summary={
            "series": [],
            "products": [],
            "reorder": {
                "cover_months": 2,
                "bound": "upper_80",
                "first_month": "2025-01-01",
                "last_month": "2025-02-01",
                "units": {str(pk): n for pk, n in units.items()},
                **reorder,
            },
        },
    )


@pytest.fixture
def stock():
    """SHORT: 8 + 4 on hand, 3 reserved = 9 available. PLENTY: 60 available.
    NONE: no forecast."""
    main, east = WarehouseFactory(code="MAIN"), WarehouseFactory(code="EAST")
    short = stocked(ProductFactory(sku="SHORT"), main, 8)
    stocked(short, east, 4)
    stock_reserve(product=short, warehouse=east, quantity=3)
    plenty = stocked(ProductFactory(sku="PLENTY"), main, 60)
    none = stocked(ProductFactory(sku="NONE"), main, 1)
    return {"short": short, "plenty": plenty, "none": none}


def row_of(body: str, sku: str) -> str:
    return body.split(f'data-sku="{sku}"', 1)[1].split("</tr>", 1)[0]


def test_suggested_reorder_is_demand_minus_available_floored_at_zero(rep_client, stock):
    run = forecast_run({stock["short"].pk: 25, stock["plenty"].pk: 40})
    response = rep_client.get(OVERVIEW)
    body = response.content.decode()
    assert "Suggested reorder" in body
    short = row_of(body, "SHORT")
    assert '<span data-testid="forecast-reorder"' in short
    assert ">16</span>" in short  # 25 - 9
    assert (
        f"Demand Jan 2025 to Feb 2025: 25 (forecast run #{run.pk}, upper 80 % bound)"
        " - 9 available = 16"
    ) in short
    assert ">0</span>" in row_of(body, "PLENTY")  # 40 - 60, floored
    assert "forecast-reorder" not in row_of(body, "NONE")
    rule = body.split('id="forecast-reorder-rule"', 1)[1].split("</p>", 1)[0]
    assert "from Jan 2025 to Feb 2025" in rule
    assert "upper 80 % bound" in rule
    assert "minus what is available now; never below 0" in rule
    assert f"?run={run.pk}" in rule

    page = rep_client.get(reverse("inventory:product-stock", args=[stock["short"].pk]))
    assert page.context["forecast_reorder"] == 16
    text = page.content.decode().split('id="forecast-reorder"', 1)[1]
    assert '<strong data-testid="forecast-reorder">16</strong>' in text
    assert "25 expected to be needed from Jan 2025 to Feb 2025" in text
    assert "\u2212 9 available now" in text


def test_the_latest_succeeded_run_decides(rep_client, stock):
    forecast_run({stock["short"].pk: 100}, finished_days_ago=3)
    latest = forecast_run({stock["short"].pk: 10}, finished_days_ago=1)
    JobRun.objects.create(kind=JobRun.Kind.FORECAST, status=JobRun.Status.FAILED)
    (demand,) = demand_forecasts().values()
    assert demand.units == 10
    assert demand.first_month == date(2025, 1, 1)
    assert demand.last_month == date(2025, 2, 1)
    assert f"run={latest.pk}" in demand.url
    body = rep_client.get(OVERVIEW).content.decode()
    assert ">1</span>" in row_of(body, "SHORT")  # 10 - 9


def test_without_a_forecast_there_is_no_suggestion_column(rep_client, stock):
    # A run from before unit forecasts existed has no reorder part.
    JobRun.objects.create(
        kind=JobRun.Kind.FORECAST,
        status=JobRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        summary={"series": []},
    )
    assert demand_forecasts() == {}
    body = rep_client.get(OVERVIEW).content.decode()
    assert "Suggested reorder" not in body
    assert "forecast-reorder" not in body
    page = rep_client.get(reverse("inventory:product-stock", args=[stock["short"].pk]))
    assert page.context["demand"] is None


def test_the_overview_query_count_does_not_grow_with_forecast_products(
    rep_client, stock, django_assert_num_queries
):
    run = forecast_run({stock["short"].pk: 25})
    with django_assert_num_queries(OVERVIEW_QUERIES):
        assert rep_client.get(OVERVIEW).status_code == 200
    main = WarehouseFactory(code="MAIN")
    more = [stocked(ProductFactory(), main, 2) for _ in range(30)]
    run.summary["reorder"]["units"].update({str(p.pk): 5 for p in more})
    run.save(update_fields=["summary"])
    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = rep_client.get(OVERVIEW)
    assert response.content.decode().count('data-testid="forecast-reorder"') == 31
