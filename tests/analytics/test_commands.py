from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.models import JobRun
from tests.analytics.factories import billable_order

pytestmark = pytest.mark.django_db


def test_run_segmentation_records_a_run_with_its_summary():
    billable_order(order_date=date(2024, 2, 1))
    out, err = StringIO(), StringIO()
    call_command("run_segmentation", "--as-of", "2024-03-01", stdout=out, stderr=err)
    job = JobRun.objects.get()
    assert job.kind == JobRun.Kind.SEGMENTATION
    assert job.status == JobRun.Status.SUCCEEDED
    assert job.summary["customers"] == 1
    assert job.summary["as_of"] == "2024-03-01"
    assert f"Job #{job.pk} succeeded" in out.getvalue()
    assert "100%" in err.getvalue()  # the progress bar


def test_run_forecast_records_a_run_with_its_summary():
    billable_order(order_date=date(2024, 2, 1))
    out = StringIO()
    call_command("run_forecast", stdout=out, stderr=StringIO())
    job = JobRun.objects.get()
    assert job.kind == JobRun.Kind.FORECAST
    assert job.summary["history_end"] <= job.summary["as_of"]
    entries = job.summary["series"] + job.summary["skipped"]
    assert sorted(entry["key"] for entry in entries)[-1] == "total"
    assert len(entries) == 2  # the total and the product's category
    assert "months:" in out.getvalue()
    assert "skipped" not in out.getvalue().replace("skipped_count", "")


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="not a date"):
        call_command("run_forecast", "--as-of", "yesterday", stderr=StringIO())
    assert not JobRun.objects.exists()


@pytest.mark.parametrize("command", ["run_forecast", "run_segmentation"])
def test_a_future_date_is_refused_as_on_the_jobs_page(command):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="is in the future"):
        call_command(command, "--as-of", tomorrow, stderr=StringIO())
    assert not JobRun.objects.exists()


def test_a_failed_run_fails_the_command(monkeypatch):
    from analytics import jobs

    def broken(job, parameters, progress):
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", broken)
    with pytest.raises(CommandError, match="disk full"):
        call_command("run_forecast", stdout=StringIO(), stderr=StringIO())
    assert JobRun.objects.get().status == JobRun.Status.FAILED


def test_run_segmentation_can_fix_k():
    for day in (1, 5, 9, 20):
        billable_order(order_date=date(2024, 2, day))
    call_command(
        "run_segmentation",
        "--as-of",
        "2024-03-01",
        "--k",
        "2",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    job = JobRun.objects.get()
    assert job.parameters == {"as_of": "2024-03-01", "k": 2}
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert (job.summary["k"], job.summary["k_fixed"]) == (2, True)


@pytest.mark.parametrize("k", ["1", "9", "x"])
def test_run_segmentation_refuses_a_k_outside_2_to_8(k):
    with pytest.raises(CommandError, match="--k"):
        call_command("run_segmentation", "--k", k, stdout=StringIO(), stderr=StringIO())
    assert not JobRun.objects.exists()


def test_run_forecast_takes_the_horizon_and_the_number_of_products():
    billable_order(order_date=date(2024, 2, 1))
    call_command(
        "run_forecast",
        "--as-of",
        "2024-12-31",
        "--horizon",
        "6",
        "--top-products",
        "5",
        "--reorder-cover-months",
        "3",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    job = JobRun.objects.get()
    assert job.parameters == {
        "as_of": "2024-12-31",
        "horizon": 6,
        "top_products": 5,
        "reorder_cover_months": 3,
    }
    assert job.summary["horizon"] == 6
    assert job.summary["top_products"] == 5
    assert job.summary["reorder"]["cover_months"] == 3
    # The one product sold (February to December: 11 months, mostly 0).
    (product,) = job.summary["products"]
    assert product["months"] == 11
    assert len(product["forecast"]) == 6


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--horizon", "9", "invalid choice"),
        ("--top-products", "500", "not a whole number from 0 to 200"),
        ("--reorder-cover-months", "13", "invalid choice"),
    ],
)
def test_run_forecast_refuses_bad_options(option, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("run_forecast", option, value, stderr=StringIO())
    assert not JobRun.objects.exists()
