"""The forecast job with managers' drivers: the total's regression with drivers is
chosen on a series the driver explains, and a driver without values for the
forecast months is left out with the reason on the forecast page."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from analytics import jobs
from analytics.models import JobRun
from analytics.months import month_add
from analytics.services import driver_save
from orders import services
from tests.customers.factories import CustomerFactory
from tests.orders.factories import draft_order
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db
START = date(2022, 7, 1)
MONTHS = 30  # July 2022 to December 2024: the history of a run on 2025-01-15
HORIZON = 6


def spend(index: int) -> int:
    """Marketing spend in month ``index`` (thousands): irregular, no trend or
    season, so only the driver explains revenue."""
    return (index * 17 + 5) % 41


@pytest.fixture
def spend_history():
    """One order a month of 10 + spend units at 100.00: revenue = 1000 + 100 x
    spend, exactly."""
    product = ProductFactory()
    customer = CustomerFactory()
    for index in range(MONTHS):
        quantity = 10 + spend(index)
        order = draft_order(
            customer=customer,
            order_date=month_add(START, index).replace(day=12),
            lines=[(product, quantity)],
            stock=quantity,
        )
        services.order_confirm(order=order, user=order.owner)
    # Switched off: never given to the forecast.
    driver_save(
        name="Old index",
        is_active=False,
        values=[(month_add(START, i), Decimal(i)) for i in range(MONTHS + HORIZON)],
    )


def forecast(**parameters) -> JobRun:
    job = jobs.job_run_inline(
        kind="forecast",
        parameters={
            "as_of": "2025-01-15",
            "horizon": HORIZON,
            "top_products": 0,
            **parameters,
        },
    )
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    return job


def total(job: JobRun) -> dict:
    return next(entry for entry in job.summary["series"] if entry["key"] == "total")


def metrics_row(entry: dict, key: str) -> dict:
    return next(row for row in entry["metrics"] if row["key"] == key)


def test_the_total_uses_a_driver_that_explains_it(spend_history, manager_client):
    values = [
        (month_add(START, i), Decimal(spend(i)) * 1000) for i in range(MONTHS + HORIZON)
    ]
    driver_save(name="Marketing", values=values)
    job = forecast()

    assert job.summary["drivers"] == ["Marketing"]
    entry = total(job)
    assert entry["drivers_given"] == ["Marketing"]
    assert entry["chosen"] == "linear_drivers"
    assert entry["drivers"] == ["Marketing"]
    with_drivers = metrics_row(entry, "linear_drivers")
    assert with_drivers["available"] and with_drivers["chosen"]
    assert with_drivers["mase"] < 0.1 * metrics_row(entry, "linear")["mase"]
    # Revenue = 1000 + 100 x spend (in thousands): the forecast follows the
    # future spend the manager entered.
    for offset, row in enumerate(entry["forecast"]):
        expected = Decimal(1000 + 100 * spend(MONTHS + offset))
        assert Decimal(row["forecast"]) == pytest.approx(expected, abs=Decimal(1))
    # Categories get no drivers.
    for other in job.summary["series"][1:]:
        assert "drivers_given" not in other
        assert metrics_row(other, "linear_drivers")["note"] == "no drivers given"

    cache.clear()
    page = manager_client.get(f"/analytics/forecast/?run={job.pk}")
    body = page.content.decode()
    assert page.context["drivers_note"]["state"] == "used"
    assert 'data-state="used"' in body
    assert "Drivers used:</strong> Marketing." in body
    assert "Old index" not in body


def test_a_driver_without_future_values_is_left_out_with_the_reason(
    spend_history, manager_client
):
    # Values up to February 2025; the 6-month forecast runs to June 2025.
    values = [(month_add(START, i), Decimal(spend(i))) for i in range(MONTHS + 2)]
    driver_save(name="Marketing", values=values)
    job = forecast()

    entry = total(job)
    assert entry["drivers_given"] == ["Marketing"]
    assert entry["drivers"] == []
    assert entry["chosen"] != "linear_drivers"
    skipped = metrics_row(entry, "linear_drivers")
    assert not skipped["available"]
    reason = (
        "needs values of Marketing for every forecast month; the first missing is "
        "Mar 2025"
    )
    assert skipped["note"] == reason
    assert (
        f"Drivers not used: the regression with drivers {reason}."
        in (entry["warnings"])
    )

    page = manager_client.get(f"/analytics/forecast/?run={job.pk}")
    body = page.content.decode()
    assert page.context["drivers_note"] == {
        "given": ["Marketing"],
        "used": [],
        "state": "skipped",
        "reason": reason,
    }
    drivers_box = body.split('id="forecast-drivers"', 1)[1].split("</div>", 1)[0]
    assert "Drivers not used:</strong> Marketing." in drivers_box
    assert f"The regression with drivers {reason}." in drivers_box
    assert "Enter the missing values" in drivers_box


def test_without_active_drivers_the_page_says_so(spend_history, manager_client):
    job = forecast()
    assert job.summary["drivers"] == []
    assert total(job)["drivers_given"] == []
    page = manager_client.get(f"/analytics/forecast/?run={job.pk}")
    assert page.context["drivers_note"]["state"] == "none"
    assert "No forecast drivers were active" in page.content.decode()
