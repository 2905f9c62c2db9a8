"""The forecast job end to end (SQL read, models, stored summary) and the forecast
page: series picker, chart, metrics, forecast table, CSV, permissions."""

import csv
import io
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import jobs
from analytics.models import JobRun
from analytics.months import history_end_date
from orders import services
from tests.customers.factories import CustomerFactory
from tests.orders.factories import draft_order
from tests.products.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db
Status = JobRun.Status
START = date(2022, 7, 1)
MONTHS = 30  # July 2022 to December 2024
SEASON = (0, 2, 5, 8, 10, 12, 10, 8, 5, 2, 0, -2)


def month_start(index: int) -> date:
    year, month = divmod(START.month - 1 + index, 12)
    return date(START.year + year, month + 1, 1)


@pytest.fixture
def order_history():
    """30 months of orders (one a month, 100.00 net per unit): Hardware grows with a
    trend and a yearly season, in two products, one of them in a subcategory
    (rolled up into Hardware); Services only sells in the last 4 months."""
    hardware = CategoryFactory(name="Hardware")
    tools = CategoryFactory(name="Tools", parent=hardware)
    services_category = CategoryFactory(name="Services")
    drill = ProductFactory(category=tools)
    cable = ProductFactory(category=hardware)
    consulting = ProductFactory(category=services_category)
    customer = CustomerFactory()
    expected = {"total": {}, "hardware": {}, "services": {}}
    for index in range(MONTHS):
        month = month_start(index)
        noise = round(2 * math.sin(index * 1.7))
        drills = 20 + index + SEASON[month.month - 1] + noise
        cables = 5 + index // 3
        lines = [(drill, drills), (cable, cables)]
        if index >= MONTHS - 4:
            lines.append((consulting, 3))
        order = draft_order(
            customer=customer,
            order_date=month.replace(day=10),
            lines=lines,
            stock=max(q for _p, q in lines),
        )
        services.order_confirm(order=order, user=order.owner)
        expected["hardware"][month] = 100 * (drills + cables)
        expected["services"][month] = 300 if index >= MONTHS - 4 else 0
        expected["total"][month] = 100 * sum(q for _p, q in lines)
    return {
        "hardware": hardware,
        "services": services_category,
        "expected": expected,
    }


@pytest.fixture
def forecast_job(order_history):
    job = JobRun.objects.create(
        kind=JobRun.Kind.FORECAST,
        parameters={"as_of": "2025-01-15", "horizon": 6},
    )
    messages = []
    assert jobs.job_execute(
        job_id=job.pk, observer=lambda p, m: messages.append((p, m))
    )
    job.refresh_from_db()
    job.progress_messages = messages
    return job


def test_history_ends_with_the_last_complete_month():
    assert history_end_date(date(2025, 1, 15)) == date(2024, 12, 31)
    assert history_end_date(date(2024, 12, 31)) == date(2024, 12, 31)
    assert history_end_date(date(2024, 3, 1)) == date(2024, 2, 29)


def test_the_forecast_job_forecasts_the_total_and_each_category(
    forecast_job, order_history
):
    job = forecast_job
    assert job.status == Status.SUCCEEDED, job.error
    summary = job.summary
    assert summary["as_of"] == "2025-01-15"
    assert summary["history_end"] == "2024-12-31"  # January is not over yet
    assert summary["horizon"] == 6
    assert summary["months"] == MONTHS

    series = {entry["key"]: entry for entry in summary["series"]}
    hardware = order_history["hardware"]
    assert list(series) == ["total", f"category-{hardware.pk}"]
    total = series["total"]
    assert total["label"] == "Total"
    # The history is the SQL sum, month by month, as text of Decimal cents.
    expected = order_history["expected"]
    assert total["history"] == [
        [month.isoformat(), f"{value}.00"] for month, value in expected["total"].items()
    ]
    assert series[f"category-{hardware.pk}"]["label"] == "Hardware"
    assert series[f"category-{hardware.pk}"]["history"] == [
        [month.isoformat(), f"{value}.00"]
        for month, value in expected["hardware"].items()
    ]
    for entry in series.values():
        assert len(entry["forecast"]) == 6
        assert entry["forecast"][0]["month"] == "2025-01-01"
        chosen = [row for row in entry["metrics"] if row["chosen"]]
        assert len(chosen) == 1
        assert chosen[0]["key"] == entry["chosen"]
        assert entry["chosen_label"] in entry["reason"]
        # Trend and season: the regression beats seasonal naive by far.
        assert entry["chosen"] in {"linear", "holt_winters"}
        naive = next(r for r in entry["metrics"] if r["key"] == "seasonal_naive")
        assert chosen[0]["mase"] <= 0.9 * naive["mase"]
        row = entry["forecast"][0]
        assert row["lower_95"] <= row["lower_80"] <= row["forecast"]
        assert row["forecast"] <= row["upper_80"] <= row["upper_95"]

    (skipped,) = summary["skipped"]
    assert skipped["key"] == f"category-{order_history['services'].pk}"
    assert skipped["label"] == "Services"
    assert skipped["months"] == 4
    assert "at least 6" in skipped["reason"]

    percents = [percent for percent, _message in job.progress_messages]
    assert percents == sorted(percents)
    assert any("Forecasting Hardware" in m for _p, m in job.progress_messages)


def test_the_forecast_job_records_where_its_time_went(forecast_job):
    timings = forecast_job.summary["timings"]
    assert set(timings) == {"read", "compute"}  # nothing written but the summary
    assert all(seconds >= 0 for seconds in timings.values())


def test_a_bad_horizon_fails_the_job_with_a_clear_error():
    job = jobs.job_run_inline(kind="forecast", parameters={"horizon": 9})
    assert job.status == Status.FAILED
    assert "must be 6 or 12 months" in job.error


def test_without_orders_the_job_succeeds_and_says_why():
    job = jobs.job_run_inline(kind="forecast", parameters={"as_of": "2024-12-31"})
    assert job.status == Status.SUCCEEDED
    assert job.summary["series"] == []
    assert job.summary["horizon"] == 12
    (skipped,) = job.summary["skipped"]
    assert skipped["key"] == "total"
    assert "No billable revenue" in skipped["reason"]


def test_the_forecast_page_as_a_manager(manager_client, forecast_job, order_history):
    cache.clear()
    response = manager_client.get("/analytics/forecast/")
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["run"] == forecast_job
    entry = response.context["entry"]
    assert entry["key"] == "total"
    # Picker, chart, reason, metrics with the chosen model marked, forecast table.
    hardware = order_history["hardware"]
    assert f"series=category-{hardware.pk}" in body
    assert response.context["chart"].startswith("<svg")
    assert 'id="forecast"' in response.context["chart"]
    assert entry["reason"] in body
    assert body.count("data-chosen") == 1
    assert "MASE" in body
    assert "sMAPE" in body
    assert "Services" in body  # listed as not forecast, with its reason
    assert "at least 6" in body
    assert len(response.context["table"]) == 6
    for row in response.context["table"]:
        assert f"<td>{row['month']}</td>" in body
        # Shown in whole currency units with separators; the CSV keeps the cents.
        whole = Decimal(row["upper_95"]).quantize(Decimal("1"), ROUND_HALF_UP)
        assert f"{whole:,}" in body
    assert 'id="forecast-run-form"' in body
    assert "Run forecast now" in body

    category = manager_client.get(
        f"/analytics/forecast/?run={forecast_job.pk}&series=category-{hardware.pk}"
    )
    assert category.status_code == 200
    assert category.context["entry"]["label"] == "Hardware"
    missing = f"/analytics/forecast/?run={forecast_job.pk}&series=category-0"
    assert manager_client.get(missing).status_code == 404
    assert manager_client.get("/analytics/forecast/?run=999999").status_code == 404


def test_run_forecast_now_starts_a_forecast_job(
    manager_client, django_capture_on_commit_callbacks
):
    page = manager_client.get("/analytics/forecast/")
    assert "No forecast has run yet" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/analytics/jobs/",
            {"kind": "forecast", "as_of": page.context["today"], "horizon": "6"},
        )
    assert response.status_code == 302
    job = JobRun.objects.get()
    assert job.parameters["horizon"] == 6
    assert job.status == Status.SUCCEEDED
    detail = manager_client.get(job.get_absolute_url()).content.decode()
    assert f"/analytics/forecast/?run={job.pk}" in detail


def test_the_forecast_page_as_a_rep_shows_no_run_button(rep_client, forecast_job):
    response = rep_client.get(f"/analytics/forecast/?run={forecast_job.pk}")
    assert response.status_code == 200
    assert response.context["entry"]["key"] == "total"
    assert "Run forecast now" not in response.content.decode()
    assert rep_client.get("/analytics/forecast/csv/").status_code == 200


def test_users_without_a_role_cannot_see_the_forecast(client):
    from tests.sms.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get("/analytics/forecast/").status_code == 403
    assert client.get("/analytics/forecast/csv/").status_code == 403


def test_the_csv_equals_the_forecast_table(manager_client, forecast_job, order_history):
    key = f"category-{order_history['hardware'].pk}"
    query = f"?run={forecast_job.pk}&series={key}"
    page = manager_client.get(f"/analytics/forecast/{query}")
    response = manager_client.get(f"/analytics/forecast/csv/{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"forecast-{forecast_job.pk}-{key}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "month",
        "forecast",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    assert rows[1:] == [
        [
            row["month"],
            *(
                str(row[c])
                for c in ("forecast", "lower_80", "upper_80", "lower_95", "upper_95")
            ),
        ]
        for row in page.context["table"]
    ]
    assert len(rows) == 1 + 6


def test_the_chart_is_cached_per_run_and_series(
    manager_client, forecast_job, monkeypatch
):
    from analytics import forecast_charts

    cache.clear()
    calls = []
    real = forecast_charts.forecast_chart_svg

    def counting(result, currency, **options):
        calls.append(result.chosen)
        return real(result, currency, **options)

    monkeypatch.setattr(forecast_charts, "forecast_chart_svg", counting)
    first = manager_client.get("/analytics/forecast/").context["chart"]
    second = manager_client.get("/analytics/forecast/").context["chart"]
    assert first == second
    assert first.lstrip().startswith("<svg")
    assert first.rstrip().endswith("</svg>")
    assert len(calls) == 1


def test_the_forecast_page_query_count_is_pinned(manager_client, forecast_job):
    manager_client.get("/analytics/forecast/")  # warm the chart cache
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get("/analytics/forecast/")
    assert response.status_code == 200
    # Session, user, the user's and the groups' permissions, the run; then the
    # navigation bar's role, open tasks and low-stock alerts. Nothing per series,
    # model or month.
    assert len(queries) == 8, [q["sql"] for q in queries.captured_queries]
