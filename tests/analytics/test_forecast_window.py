"""Where a forecast's history starts and ends (issue #14): from the first month with
a sale; up to the last complete month before the as-of date, unless a year or more
before it has no sale at all (an old data set), when it ends with the last month
with sales and every way of starting the job (run_forecast, the Jobs page, the
nightly schedule) says so. Zero months are counted in a warning, a category that
stopped selling a year ago is not forecast, and no "n/a" on the forecast page comes
without its reason."""

import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.models import JobRun
from analytics.months import history_end_date, month_add
from analytics.selectors import driver_window
from analytics.tasks import job_start_scheduled
from orders import services
from tests.customers.factories import CustomerFactory
from tests.orders.factories import draft_order, priced_product
from tests.products.factories import CategoryFactory, ProductFactory
from tests.sms.brokers import dead_broker

pytestmark = pytest.mark.django_db
SEASON = (0, 2, 5, 8, 10, 12, 10, 8, 5, 2, 0, -2)
FIRST = date(2017, 1, 1)
MONTHS = 30  # January 2017 to June 2019
LAST_SALE = date(2019, 6, 10)


def _sell(customer, day: date, lines) -> None:
    order = draft_order(
        customer=customer,
        order_date=day,
        lines=lines,
        stock=max(q for _p, q in lines),
    )
    services.order_confirm(order=order, user=order.owner)


@pytest.fixture
def old_history():
    """A trend and a season in monthly sales of one product, January 2017 to June
    2019, and nothing since: a data set that ended years ago."""
    hardware = CategoryFactory(name="Hardware")
    drill = ProductFactory(category=hardware)
    customer = CustomerFactory()
    for index in range(MONTHS):
        month = month_add(FIRST, index)
        quantity = 20 + index + SEASON[month.month - 1]
        _sell(customer, month.replace(day=10), [(drill, quantity)])
    return {"hardware": hardware, "drill": drill}


def _latest_forecast() -> JobRun:
    return JobRun.objects.filter(kind=JobRun.Kind.FORECAST).latest("pk")


def _assert_moved_back(job: JobRun, as_of: date) -> None:
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    summary = job.summary
    assert summary["history_end"] == "2019-06-30"
    assert summary["last_sale"] == LAST_SALE.isoformat()
    assert summary["last_complete_month_end"] == history_end_date(as_of).isoformat()
    assert summary["months"] == MONTHS
    total = next(s for s in summary["series"] if s["key"] == "total")
    assert total["history"][0][0] == "2017-01-01"
    assert total["history"][-1][0] == "2019-06-01"
    assert len(total["history"]) == MONTHS
    assert total["forecast"][0]["month"] == "2019-07-01"
    for entry in summary["series"] + summary["products"]:
        # No padded months, so no zero months and no perfect-looking zeros.
        assert not any("counted as 0" in w for w in entry["warnings"])
        chosen = next(r for r in entry["metrics"] if r["chosen"])
        assert chosen["mase"] > 0.05
        assert "MASE 0.00" not in entry["reason"]
        assert Decimal(entry["forecast"][0]["forecast"]) > 0
    # Demand of 2019 is no reason to buy stock now.
    assert summary["product_forecasts"] == 1
    assert summary["reorder"]["units"] == {}
    notice = summary["notice"]
    assert notice.startswith("No sales since June 2019. ")
    assert "the history ends with June 2019, the last month with sales" in notice
    assert f"the last complete month before {as_of.isoformat()}" in notice
    assert "the forecast covers July 2019 to June 2020, not the coming months" in (
        notice
    )
    assert "No reorder quantities are suggested from it." in notice


def test_run_forecast_as_of_today_on_an_old_data_set_uses_its_last_month(
    old_history,
):
    out = StringIO()
    call_command("run_forecast", stdout=out, stderr=StringIO())
    job = _latest_forecast()
    _assert_moved_back(job, timezone.localdate())
    printed = out.getvalue()
    assert f"Job #{job.pk} succeeded" in printed
    assert "history_end: 2019-06-30" in printed
    assert job.summary["notice"] in printed


# Transactional: without a broker the job runs when the request's transaction
# commits, before the page says where it stands (as in test_jobs_page.py).
@pytest.mark.django_db(transaction=True)
def test_the_jobs_page_says_so_when_the_forecast_starts_and_the_page_shows_it(
    old_history, manager_client
):
    today = timezone.localdate()
    response = manager_client.post(
        "/analytics/jobs/",
        {"kind": "forecast", "as_of": today.isoformat()},
        follow=True,
    )
    assert response.status_code == 200
    job = _latest_forecast()
    _assert_moved_back(job, today)
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [f"Sales forecast #{job.pk} finished.", job.summary["notice"]]

    page = manager_client.get("/analytics/forecast/").content.decode()
    notice = re.search(r'<div [^>]*id="forecast-notice"[^>]*>([^<]*)</div>', page)
    assert notice.group(1) == job.summary["notice"]
    assert "no reorder quantity is suggested from it" in page
    assert "feeds the suggested reorder quantity" not in page
    detail = manager_client.get(job.get_absolute_url()).content.decode()
    assert job.summary["notice"] in detail


# Transactional: the job is sent to the broker when the request's transaction
# commits, as in test_jobs_page.py.
@pytest.mark.django_db(transaction=True)
def test_a_queued_forecast_is_announced_with_the_notice_before_it_runs(
    old_history, manager_client
):
    # The job waits for a worker (here, for the broker): the page says what it
    # will do.
    with dead_broker():
        response = manager_client.post(
            "/analytics/jobs/",
            {"kind": "forecast", "as_of": "2024-03-15", "horizon": "6"},
            follow=True,
        )
    job = _latest_forecast()
    assert job.status == JobRun.Status.QUEUED
    texts = [str(m) for m in response.context["messages"]]
    assert texts[0].startswith(f"Sales forecast #{job.pk} queued")
    assert texts[1].startswith("No sales since June 2019. ")
    assert "the forecast covers July 2019 to December 2019" in texts[1]


def test_the_nightly_forecast_on_an_old_data_set_succeeds_quietly_and_says_so(
    old_history, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = job_start_scheduled("forecast")
    job = JobRun.objects.get(pk=job_id)
    assert job.started_by is None
    _assert_moved_back(job, timezone.localdate())


def test_the_drivers_pages_ask_for_the_months_the_moved_back_forecast_reads(
    old_history, manager_client
):
    window = driver_window(as_of=timezone.localdate())
    assert window.first == FIRST
    assert window.history_last == date(2019, 6, 1)
    assert window.last == date(2020, 6, 1)
    assert window.moved_back
    page = manager_client.get("/analytics/forecast/drivers/").content.decode()
    assert (
        "A forecast run today reads revenue from Jan 2017 to Jun 2019 (the last "
        "month with sales: a year or more since has none, so the history ends "
        "there)"
    ) in " ".join(page.split())


@pytest.mark.parametrize(
    ("as_of", "moved_back"),
    [
        # June 2020 complete: twelve months without a sale after June 2019.
        (date(2020, 7, 1), True),
        (date(2020, 6, 30), True),
        # June 2020 not yet complete: eleven empty months are a slump, forecast.
        (date(2020, 6, 29), False),
    ],
)
def test_a_year_without_sales_moves_the_end_back_eleven_months_do_not(
    old_history, as_of, moved_back
):
    call_command(
        "run_forecast",
        "--as-of",
        as_of.isoformat(),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    job = _latest_forecast()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    total = next(s for s in job.summary["series"] if s["key"] == "total")
    if moved_back:
        _assert_moved_back(job, as_of)
        return
    assert "notice" not in job.summary
    assert job.summary["history_end"] == "2020-05-31"
    assert total["history"][-1][0] == "2020-05-01"
    assert len(total["history"]) == MONTHS + 11
    assert (
        f"11 of {MONTHS + 11} months in the history had no sales and were counted "
        "as 0, including the last 11 in a row."
    ) in total["warnings"]
    assert job.summary["reorder"]["units"] != {}


def test_series_start_with_their_first_sale_and_a_stopped_category_is_not_forecast():
    """Hardware gives away a free sample in January 2017 and sells from February;
    Services sells from January 2017 to March 2018 and then stops."""
    hardware = CategoryFactory(name="Hardware")
    services_category = CategoryFactory(name="Services")
    drill = ProductFactory(category=hardware)
    sample = priced_product("0.00", category=hardware)
    consulting = ProductFactory(category=services_category)
    customer = CustomerFactory()
    _sell(customer, date(2017, 1, 10), [(sample, 1)])
    for index in range(1, MONTHS):
        month = month_add(FIRST, index)
        lines = [(drill, 20 + index + SEASON[month.month - 1])]
        if month <= date(2018, 3, 1):
            lines.append((consulting, 3 + index % 4))
        _sell(customer, month.replace(day=10), lines)
    _sell(customer, date(2017, 1, 20), [(consulting, 2)])

    call_command(
        "run_forecast", "--as-of", "2019-07-15", stdout=StringIO(), stderr=StringIO()
    )
    job = _latest_forecast()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    series = {s["key"]: s for s in job.summary["series"]}
    # The total starts in January 2017 with the consulting sale; Hardware, whose
    # January was only a free sample, in February.
    assert series["total"]["history"][0][0] == "2017-01-01"
    assert series[f"category-{hardware.pk}"]["history"][0] == ["2017-02-01", "2300.00"]
    assert len(series[f"category-{hardware.pk}"]["history"]) == MONTHS - 1
    (skipped,) = job.summary["skipped"]
    assert skipped["key"] == f"category-{services_category.pk}"
    assert skipped["reason"] == (
        "No sales in the last 15 months of the history (the last in Mar 2018): a "
        "forecast from it would only repeat zeros."
    )


def _assert_every_na_has_its_reason(html: str) -> int:
    """Every "n/a" on the page is a table cell pointing at a numbered note that
    gives the reason, or is followed by its reason in the sentence. Returns how
    many there were."""
    notes = dict(
        re.findall(r'<li id="metric-note-(\d+)"><sup>\d+</sup> n/a: ([^<]+)</li>', html)
    )
    assert all(len(reason) > 30 for reason in notes.values()), notes
    found = 0
    for match in re.finditer("n/a", html):
        found += 1
        after = html[match.end() : match.end() + 60]
        cell = re.match(r'</span><sup><a href="#metric-note-(\d+)"', after)
        if cell:
            assert cell.group(1) in notes
            continue
        assert re.match(r"(:| \(| for every model:) [a-z]", after), after
    return found


def test_no_n_a_on_the_forecast_page_comes_without_its_reason(
    manager_client, django_capture_on_commit_callbacks
):
    """Fourteen months: too short for seasonal naive and for any 12-month
    backtest; a product selling 2 units every month, whose MASE is undefined."""
    steady = ProductFactory(sku="STEADY")
    varied = ProductFactory()
    customer = CustomerFactory()
    for index in range(14):
        month = month_add(date(2023, 1, 1), index)
        _sell(customer, month.replace(day=5), [(steady, 2), (varied, 5 + index % 3)])
    call_command(
        "run_forecast", "--as-of", "2024-03-01", stdout=StringIO(), stderr=StringIO()
    )
    job = _latest_forecast()
    assert job.status == JobRun.Status.SUCCEEDED, job.error

    total = manager_client.get(f"/analytics/forecast/?run={job.pk}")
    html = total.content.decode()
    assert _assert_every_na_has_its_reason(html) >= 5
    assert (
        "n/a: needs at least 15 months of history (3 to fit before the first origin "
        "and 12 to check), has 14."
    ) in html
    assert "Not compared: needs 12 months of history before each backtest origin" in (
        html
    )

    product = manager_client.get(
        f"/analytics/forecast/?run={job.pk}&series=product-{steady.pk}"
    )
    html = product.content.decode()
    entry = product.context["entry"]
    assert entry["sku"] == "STEADY"
    assert _assert_every_na_has_its_reason(html) >= 2
    linear = next(r for r in entry["metrics"] if r["key"] == "linear")
    assert linear["mase"] is None
    assert "does not change from month to month" in linear["na"]["mase"]
    assert (
        "n/a: the history before a backtest origin does not change from month to "
        "month, so the naive error that scales MASE is 0."
    ) in html
    assert entry["reason"].startswith(
        "Linear regression: the only model that could be backtested (sMAPE 0.0 %; "
        "MASE n/a: the history before a backtest origin does not change"
    )


def test_windows_reaching_before_year_1_stop_at_its_first_day():
    # A history moved back to an order dated 0001-01-01 by mistake (the crawl test
    # makes one) reads from the calendar's first day, not from year 0.
    from analytics.months import month_back
    from analytics.runners import forecast_history_start

    assert forecast_history_start(date(1, 1, 31)) == date.min
    assert forecast_history_start(date(11, 1, 31)) == date(1, 2, 1)
    assert forecast_history_start(date(2024, 12, 31)) == date(2015, 1, 1)
    assert month_back(date(1, 11, 1), 11) == date.min
    assert month_back(date(2, 1, 1), 11) == date(1, 2, 1)
