"""Orders dated 0001-01-01 and 9999-12-31 (made through the services, which take any
date) must not break the analytics: the forecast reads a bounded window of recent
history, and the dashboard, the reports, the segments and the forecast pages answer
for any period."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import jobs
from analytics.models import JobRun
from analytics.months import history_end_date, month_add
from analytics.reports import REPORTS
from analytics.runners import FORECAST_HISTORY_MONTHS
from orders import services
from orders.models import Order
from tests.customers.factories import CustomerFactory
from tests.orders.factories import draft_order

pytestmark = pytest.mark.django_db
Status = JobRun.Status
AS_OF = date(2025, 1, 15)
ANCIENT = date(1, 1, 1)
DOOMSDAY = date(9999, 12, 31)


def _billable(customer, day: date) -> None:
    order = draft_order(customer=customer, order_date=day, stock=2)
    services.order_confirm(order=order, user=order.owner)


@pytest.fixture
def extreme_orders(rep):
    """Two years of monthly orders, then one on the first day of the calendar and
    one on its last, for one of ``rep``'s customers."""
    customer = CustomerFactory(owner=rep)
    for months in range(24):
        _billable(customer, month_add(AS_OF, -months - 1).replace(day=10))
    _billable(customer, ANCIENT)
    # Confirming sets a due date after the order date, past the calendar's end for
    # 9999-12-31: the order is moved there once confirmed.
    _billable(customer, AS_OF)
    Order.objects.filter(customer=customer, order_date=AS_OF).update(
        order_date=DOOMSDAY
    )
    return customer


def _run(kind: str, **parameters) -> JobRun:
    job = JobRun.objects.create(kind=kind, parameters=parameters)
    jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_the_forecast_reads_a_bounded_window_of_recent_history(extreme_orders):
    job = _run(JobRun.Kind.FORECAST, as_of=AS_OF.isoformat(), horizon=6)
    assert job.status == Status.SUCCEEDED, job.error
    total = next(s for s in job.summary["series"] if s["key"] == "total")
    months = [date.fromisoformat(month) for month, _value in total["history"]]
    # The 0001-01-01 order is left out (it is before the window) and so is the one
    # after the as-of date: the history is the 24 real months.
    assert months[0] == month_add(AS_OF, -24)
    assert months[-1] == history_end_date(AS_OF).replace(day=1)
    assert total["months"] == 24


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_analytics_pages_answer_with_orders_at_both_ends_of_the_calendar(
    extreme_orders, client, manager, rep, role
):
    _run(JobRun.Kind.FORECAST, as_of=AS_OF.isoformat(), horizon=6)
    _run(JobRun.Kind.SEGMENTATION, as_of=timezone.localdate().isoformat())
    client.force_login(manager if role == "manager" else rep)
    periods = [
        {},
        {"period": "custom", "start": "0001-01-01", "end": "9999-12-31"},
        {"period": "custom", "start": "9999-12-01", "end": "9999-12-31"},
        {"period": "custom", "start": "0001-01-01", "end": "0001-01-31"},
    ]
    urls = [reverse("analytics:index")]
    urls += [reverse("analytics:report", args=[slug]) for slug in REPORTS]
    failures = []
    for url in urls:
        for query in periods:
            response = client.get(url, query)
            if response.status_code != 200:
                failures.append((url, query, response.status_code))
    for name in ("forecast", "forecast-csv", "segment-overview", "value-report"):
        response = client.get(reverse(f"analytics:{name}"))
        if response.status_code != 200:
            failures.append((name, response.status_code))
    customer_page = reverse("customers:customer-detail", args=[extreme_orders.pk])
    if role == "rep" and client.get(customer_page).status_code != 200:
        failures.append((customer_page,))
    assert not failures


def test_the_window_starts_forecast_history_months_before_the_history_end(rep):
    customer = CustomerFactory(owner=rep)
    end = history_end_date(AS_OF)
    first = month_add(end, 1 - FORECAST_HISTORY_MONTHS)
    _billable(customer, first - timedelta(days=1))  # the month before the window
    # A sale every January up to the last one before the as-of date: a year with
    # no sale at all would move the history's end back (test_forecast_window.py).
    for months in range(10):
        _billable(customer, month_add(first, months * 12))
    job = _run(JobRun.Kind.FORECAST, as_of=AS_OF.isoformat(), horizon=6)
    assert job.status == Status.SUCCEEDED, job.error
    total = next(s for s in job.summary["series"] if s["key"] == "total")
    assert total["history"][0][0] == first.isoformat()
    assert total["months"] == FORECAST_HISTORY_MONTHS


def test_a_custom_range_outside_1970_to_2999_is_refused_next_to_its_field(
    manager_client,
):
    query = {"period": "custom", "start": "9999-12-01", "end": "9999-12-31"}
    response = manager_client.get(reverse("analytics:report", args=["sales"]), query)
    assert response.status_code == 200
    form = response.context["form"]
    message = "Choose a date from 1970-01-01 to 2999-12-31."
    assert form.errors == {"start": [message], "end": [message]}
