"""Per-product unit forecasts of the top products, the demand their reorder
suggestion covers, and the stored summary's amounts (Decimal text, never floats;
older float runs still readable)."""

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from analytics import jobs
from analytics.models import JobRun
from analytics.months import month_add
from analytics.runners import reorder_demand
from inventory.services import stock_reserve
from orders import services
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.orders.factories import draft_order
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db
AS_OF = "2025-01-15"  # history to December 2024; forecasts from January 2025


@pytest.fixture
def product_history():
    """Orders January 2023 to December 2024, every product at 100.00 a unit:

    * STEADY: 10 units a month from November 2023 (14 months; 12,000.00 over 2024);
    * NEWISH: 20 a month from September 2024 (4 months; 8,000.00);
    * OLD-BIG: 100 a month in the first half of 2023, then 1 a month in 2024
      (1,200.00 over the last 12 months: most revenue ever, little lately).

    Each order's units are received just before it is confirmed, so nothing is
    left available afterwards."""
    main = WarehouseFactory(code="MAIN")
    steady = ProductFactory(sku="STEADY")
    newish = ProductFactory(sku="NEWISH")
    old_big = ProductFactory(sku="OLD-BIG")
    customer = CustomerFactory()
    for index in range(24):
        month = month_add(date(2023, 1, 1), index)
        lines = []
        if month >= date(2023, 11, 1):
            lines.append((steady, 10))
        if month >= date(2024, 9, 1):
            lines.append((newish, 20))
        if month < date(2023, 7, 1):
            lines.append((old_big, 100))
        elif month >= date(2024, 1, 1):
            lines.append((old_big, 1))
        if not lines:
            continue
        for product, quantity in lines:
            stocked(product, main, quantity)
        order = draft_order(
            customer=customer,
            warehouse=main,
            order_date=month.replace(day=15),
            lines=lines,
        )
        services.order_confirm(order=order, user=order.owner)
    return {"steady": steady, "newish": newish, "old_big": old_big, "main": main}


def forecast(**parameters) -> JobRun:
    job = jobs.job_run_inline(
        kind="forecast", parameters={"as_of": AS_OF, "horizon": 6, **parameters}
    )
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    return job


def test_the_top_products_are_forecast_in_units(product_history):
    steady, newish = product_history["steady"], product_history["newish"]
    job = forecast(top_products=2)
    summary = job.summary
    assert summary["top_products"] == 2
    assert summary["product_forecasts"] == 1

    # Ranked on the last 12 months: OLD-BIG sold most overall but least lately.
    (entry,) = summary["products"]
    assert entry["key"] == f"product-{steady.pk}"
    assert entry["product_id"] == steady.pk
    assert entry["sku"] == "STEADY"
    assert entry["label"] == f"STEADY {steady.name}"
    assert entry["unit"] == "pcs"
    assert entry["revenue_12m"] == "12000.00"
    assert entry["months"] == 14
    assert entry["history"][0] == ["2023-11-01", "10.00"]
    assert {value for _m, value in entry["history"]} == {"10.00"}
    # Products compare the two quick models only.
    assert [row["key"] for row in entry["metrics"]] == ["seasonal_naive", "linear"]
    assert [row["month"] for row in entry["forecast"]] == [
        f"2025-0{m}-01" for m in range(1, 7)
    ]
    # A flat 10 a month: forecast and bounds are 10 (no error to widen them).
    for row in entry["forecast"]:
        assert row["forecast"] == "10.00"
        assert row["upper_80"] == "10.00"

    (skipped,) = summary["products_skipped"]
    assert skipped["product_id"] == newish.pk
    assert skipped["months"] == 4
    assert "at least 6" in skipped["reason"]

    # Two months (January and February) at the upper 80 % bound: 20 units.
    assert summary["reorder"] == {
        "cover_months": 2,
        "bound": "upper_80",
        "first_month": "2025-01-01",
        "last_month": "2025-02-01",
        "units": {str(steady.pk): 20},
    }


def test_the_reorder_suggestion_from_a_real_run_on_the_inventory_pages(
    product_history, rep_client
):
    steady, main = product_history["steady"], product_history["main"]
    forecast(top_products=3, reorder_cover_months=3)
    # Available = on hand - reserved over all warehouses: 7 + 5 - 2 = 10.
    stocked(steady, main, 7)
    stocked(steady, WarehouseFactory(code="EAST"), 5)
    stock_reserve(product=steady, warehouse=main, quantity=2)

    overview = rep_client.get("/inventory/").content.decode()
    row = overview.split('data-sku="STEADY"', 1)[1].split("</tr>", 1)[0]
    # Three months of 10 = 30 units to cover, 10 available: order 20.
    assert '<span data-testid="forecast-reorder"' in row
    assert ">20</span>" in row
    assert "Demand Jan 2025 to Mar 2025: 30" in row
    assert "- 10 available = 20" in row
    # OLD-BIG is forecast too (third by revenue), with nothing available.
    old_big = overview.split('data-sku="OLD-BIG"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="forecast-reorder"' in old_big
    # NEWISH has too little history: no forecast, no suggestion.
    newish = overview.split('data-sku="NEWISH"', 1)[1].split("</tr>", 1)[0]
    assert "forecast-reorder" not in newish
    assert 'id="forecast-reorder-rule"' in overview

    page = rep_client.get(reverse("inventory:product-stock", args=[steady.pk]))
    assert page.context["forecast_reorder"] == 20
    assert page.context["demand"].units == 30
    body = page.content.decode()
    assert '<strong data-testid="forecast-reorder">20</strong>' in body
    assert "30 expected to be needed from Jan 2025 to Mar 2025" in body
    newish_page = rep_client.get(
        reverse("inventory:product-stock", args=[product_history["newish"].pk])
    )
    assert newish_page.context["demand"] is None
    assert 'id="forecast-reorder"' not in newish_page.content.decode()


def test_no_products_are_forecast_when_asked_for_none(product_history):
    job = forecast(top_products=0)
    assert job.summary["products"] == []
    assert job.summary["reorder"]["units"] == {}


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"top_products": 500}, "top_products must be a whole number from 0 to 200"),
        ({"reorder_cover_months": 9}, "reorder_cover_months must be"),
    ],
)
def test_bad_product_parameters_fail_the_job_clearly(parameters, message):
    job = jobs.job_run_inline(
        kind="forecast", parameters={"as_of": AS_OF, "horizon": 6, **parameters}
    )
    assert job.status == JobRun.Status.FAILED
    assert message in job.error


def test_reorder_demand_rounds_the_summed_upper_bounds_up():
    entry = {
        "forecast": [
            {"upper_80": "12.30"},
            {"upper_80": "7.71"},
            {"upper_80": "100.00"},
        ]
    }
    assert reorder_demand(entry, 1) == 13
    assert reorder_demand(entry, 2) == 21  # 20.01
    assert reorder_demand(entry, 3) == 121


# Stored amounts ---------------------------------------------------------------------

RATIOS = {"mape", "smape", "mase"}
DURATIONS = "timings"  # seconds per phase of the run, not amounts


def floats_in(value, key=None, path="summary"):
    """Every float in a JSON value outside the ratio metrics, with its path."""
    found = []
    if isinstance(value, float) and key not in RATIOS:
        found.append(path)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k != DURATIONS:
                found += floats_in(v, k, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += floats_in(v, key, f"{path}[{i}]")
    return found


def test_the_summary_stores_amounts_as_decimal_text(product_history):
    job = forecast(top_products=3)
    job.refresh_from_db()  # as read back from the database
    assert floats_in(job.summary) == []
    for entry in job.summary["series"] + job.summary["products"]:
        for _month, value in entry["history"]:
            assert Decimal(value) == Decimal(value).quantize(Decimal("0.01"))
        for row in entry["forecast"]:
            for column in ("forecast", "lower_80", "upper_80", "lower_95", "upper_95"):
                assert isinstance(row[column], str)
                assert len(row[column].split(".")[1]) == 2
        for row in entry["metrics"]:
            assert row["mae"] is None or isinstance(row["mae"], str)
    # The forecast page reads them back as Decimals.
    from analytics.views import forecast_table

    table = forecast_table(job.summary["series"][0])
    assert all(isinstance(row["forecast"], Decimal) for row in table)


def test_runs_stored_with_float_amounts_still_show(product_history, manager_client):
    job = forecast(top_products=1)
    old = copy.deepcopy(job.summary)
    for entry in old["series"] + old["products"]:
        entry["history"] = [[m, float(v)] for m, v in entry["history"]]
        entry["fitted"] = [
            [m, None if v is None else float(v)] for m, v in entry["fitted"]
        ]
        entry["forecast"] = [
            {k: v if k == "month" else float(v) for k, v in row.items()}
            for row in entry["forecast"]
        ]
        for row in entry["metrics"]:
            row["mae"] = None if row["mae"] is None else float(row["mae"])
    old_run = JobRun.objects.create(
        kind=JobRun.Kind.FORECAST,
        status=JobRun.Status.SUCCEEDED,
        parameters=job.parameters,
        summary=old,
        finished_at=job.finished_at,
    )
    cache.clear()
    new_page = manager_client.get(f"/analytics/forecast/?run={job.pk}")
    old_page = manager_client.get(f"/analytics/forecast/?run={old_run.pk}")
    assert old_page.status_code == 200
    assert old_page.context["table"] == new_page.context["table"]
    assert old_page.context["chart"].startswith("<svg")
    key = old["products"][0]["key"]
    product_page = manager_client.get(
        f"/analytics/forecast/?run={old_run.pk}&series={key}"
    )
    assert product_page.status_code == 200
    assert "Units (pcs)" in product_page.context["chart"]
    csv = manager_client.get(f"/analytics/forecast/csv/?run={old_run.pk}&series={key}")
    assert csv.status_code == 200
    # A product's forecast is in units: whole numbers, as the page shows them.
    assert "2025-01,10,10,10,10,10" in csv.content.decode()


def test_the_forecast_page_lists_the_product_forecasts(product_history, rep_client):
    job = forecast(top_products=2)
    steady = product_history["steady"]
    page = rep_client.get(f"/analytics/forecast/?run={job.pk}")
    body = page.content.decode()
    assert 'id="forecast-products"' in body
    assert f'data-product="product-{steady.pk}"' in body
    assert "NEWISH" in body.split('id="forecast-products-skipped"', 1)[1]
    (row,) = page.context["product_rows"]
    assert row["demand"] == 20
    assert row["first_label"] == "2025-01"
    assert row["revenue_12m"] == Decimal("12000.00")

    cache.clear()
    product = rep_client.get(
        f"/analytics/forecast/?run={job.pk}&series=product-{steady.pk}"
    )
    assert product.status_code == 200
    assert product.context["is_product"]
    assert product.context["drivers_note"] is None
    assert "Forecast (pcs)" in product.content.decode()
    missing = rep_client.get(f"/analytics/forecast/?run={job.pk}&series=product-0")
    assert missing.status_code == 404
