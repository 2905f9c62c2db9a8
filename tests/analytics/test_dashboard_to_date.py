"""The dashboard's monthly revenue chart when its last month is not over: labelled
"to date" and compared with the same days of that month a year earlier, not with the
whole month (docs/reports.md, "Dashboard")."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.dashboard import monthly_revenue_chart
from analytics.periods import custom_period, preset_period
from analytics.reports.base import ReportContext
from tests.analytics.factories import billable_order
from tests.analytics.svg import svgs, tick_labels
from tests.sms.factories import ManagerFactory

pytestmark = pytest.mark.django_db
D = Decimal


def sold(*days: date, quantity: int = 1) -> None:
    """A billable order of quantity x 100.00 net on each day."""
    for day in days:
        billable_order(order_date=day, quantity=quantity)


def monthly(today: date, period=None) -> list[dict]:
    period = period or preset_period("this_month", today=today)
    ctx = ReportContext(user=ManagerFactory(), period=period, today=today)
    chart, rows = monthly_revenue_chart(ctx, "EUR")
    assert list(chart.labels) == [row["short"] for row in rows]
    assert list(chart.series[1].values) == [row["last_year"] for row in rows]
    return rows


def test_this_month_is_to_date_against_the_same_days_last_year():
    sold(date(2025, 3, 1), date(2025, 3, 10))  # 1-10 March 2025: counted
    sold(date(2025, 3, 11), quantity=9)  # after the 10th: not counted
    sold(date(2025, 2, 20), quantity=2)  # February 2025: whole month
    sold(date(2026, 3, 5))
    rows = monthly(date(2026, 3, 10))
    last = rows[-1]
    assert (last["label"], last["short"]) == ("Mar 2026 (to date)", "Mar 26 (to date)")
    assert last["revenue"] == D("100.00")
    assert last["last_year"] == D("200.00")  # not 1,100.00, the whole of March 2025
    assert (last["through"], last["year_ago"]) == (date(2026, 3, 10), date(2025, 3, 10))
    # The months before are whole, against whole months.
    february = rows[-2]
    assert february["label"] == "Feb 2026" and february["through"] is None
    assert february["last_year"] == D("200.00")
    assert len(rows) == 12 and rows[0]["label"] == "Apr 2025"


def test_the_29th_of_february_against_a_28_day_february():
    sold(date(2027, 2, 1), date(2027, 2, 28))
    rows = monthly(date(2028, 2, 29))
    assert rows[-1]["label"] == "Feb 2028 (to date)"
    assert rows[-1]["year_ago"] == date(2027, 2, 28)
    assert rows[-1]["last_year"] == D("200.00")  # all of February 2027


def test_the_28th_of_february_leaves_out_last_years_29th():
    sold(date(2028, 2, 28))
    sold(date(2028, 2, 29), quantity=5)
    rows = monthly(date(2029, 2, 28))
    assert rows[-1]["label"] == "Feb 2029 (to date)"
    assert rows[-1]["last_year"] == D("100.00")


def test_the_31st_is_still_to_date_and_counts_all_31_days_last_year():
    sold(date(2025, 3, 31), date(2025, 3, 30))
    sold(date(2025, 4, 1), quantity=7)
    rows = monthly(date(2026, 3, 31))
    assert rows[-1]["label"] == "Mar 2026 (to date)"  # today is not over
    assert rows[-1]["last_year"] == D("200.00")


def test_the_30th_of_a_30_day_month():
    sold(date(2025, 4, 30))
    sold(date(2025, 5, 1), quantity=3)
    rows = monthly(date(2026, 4, 30))
    assert rows[-1]["label"] == "Apr 2026 (to date)"
    assert rows[-1]["last_year"] == D("100.00")


def test_a_period_ending_mid_month_in_the_past_is_cut_there():
    sold(date(2025, 3, 15), date(2025, 3, 16))
    rows = monthly(
        date(2026, 12, 3), custom_period(date(2026, 1, 1), date(2026, 3, 15))
    )
    assert rows[-1]["label"] == "Mar 2026 (to 15 Mar)"
    assert rows[-1]["last_year"] == D("100.00")


def test_a_whole_past_month_is_not_marked():
    sold(date(2025, 3, 31))
    rows = monthly(
        date(2026, 12, 3), preset_period("last_12_months", today=date(2026, 4, 2))
    )
    assert rows[-1]["label"] == "Mar 2026" and rows[-1]["through"] is None
    assert rows[-1]["last_year"] == D("100.00")


def test_a_period_running_past_today_ends_the_chart_this_month():
    sold(date(2025, 3, 1), date(2025, 3, 20))
    rows = monthly(
        date(2026, 3, 10), custom_period(date(2026, 1, 1), date(2026, 12, 31))
    )
    assert rows[-1]["label"] == "Mar 2026 (to date)"
    assert rows[-1]["last_year"] == D("100.00")


def test_the_dashboard_page_labels_and_explains_the_month_to_date(
    manager_client, monkeypatch
):
    sold(date(2025, 3, 2), date(2025, 3, 25))
    sold(date(2026, 3, 3))
    frozen = date(2026, 3, 10)
    real = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, timezone=None: frozen if value is None else real(value),
    )
    response = manager_client.get("/analytics/")
    page = response.content.decode()
    assert response.context["ctx"].today == frozen
    chart = next(c for c in response.context["charts"] if c["key"] == "monthly")
    (svg,) = svgs(chart["svg"])
    assert tick_labels(svg, 1)[-1] == "Mar 26 (to date)"
    assert chart["rows"][-1]["last_year"] == D("100.00")
    assert "1 to 10 Mar 2026, beside 1 to 10 Mar 2025 (the same days)" in page
    assert "Same month last year</th>" in page  # the numbers say which is which
