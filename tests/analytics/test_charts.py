"""The rules every chart keeps (docs/reports.md, "Charts"): nothing drawn when there
is nothing to draw (the page says so), whole-number ticks, x labels that never
overlap, and the week, month or quarter under way marked "to date". Checked on the
chart builder (analytics.charts) and on the report pages users open."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from analytics.charts import Chart, Series, chart_figure, chart_svg
from opportunities.models import LostReason, Stage
from tests.analytics.factories import billable_order
from tests.analytics.report_checks import at, bars, custom, deal, shown_table
from tests.analytics.report_data import sales_dataset
from tests.analytics.svg import svgs, tick_labels, x_labels_overlap
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal
SALES = "/analytics/reports/sales/"


def days(first: date, count: int) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range(count)]


def _value_axis(figure, kind: str):
    axes = figure.axes[0]
    return axes.xaxis if kind == "hbar" else axes.yaxis


def _shown_ticks(axis) -> list[float]:
    low, high = sorted(axis.get_view_interval())
    return [tick for tick in axis.get_majorticklocs() if low <= tick <= high]


# The chart builder ---------------------------------------------------------------


def test_a_chart_of_zeros_is_not_drawn():
    labels = days(date(2019, 1, 1), 60)
    for values in ([D("0.00")] * 60, [None] * 60, [0] * 60):
        chart = Chart("bar", "Revenue per day", labels, [Series("Revenue", values)])
        assert chart.is_empty
        assert chart_svg(chart) == ""
    assert chart_svg(Chart("bar", "Nothing", [], [Series("Revenue", [])])) == ""
    one = Chart("bar", "One sale", labels, [Series("Revenue", [0] * 59 + [1])])
    assert not one.is_empty
    assert chart_svg(one).startswith("<svg")


@pytest.mark.parametrize("kind", ["bar", "hbar", "line", "pareto"])
@pytest.mark.parametrize("values", [[1], [1, 0, 1], [3, 2], [7, 1, 1, 1, 1]])
def test_count_axes_tick_at_whole_numbers_only(kind, values):
    labels = [f"Reason {n}" for n in range(len(values))]
    chart = Chart(kind, "Lost", labels, [Series("Opportunities", values)])
    figure = chart_figure(chart)
    axis = _value_axis(figure, kind)
    ticks = _shown_ticks(axis)
    assert len(ticks) >= 2
    assert all(tick == int(tick) for tick in ticks), ticks
    formatter = axis.get_major_formatter()
    texts = [formatter(tick, n) for n, tick in enumerate(ticks)]
    assert len(set(texts)) == len(texts), texts  # never 0, 0, 0, 1, 1, 1


def test_small_amounts_never_read_minus_zero_or_repeat():
    chart = Chart("bar", "Pennies", ["a", "b"], [Series("Revenue", [D("0.40"), 0])])
    axis = chart_figure(chart).axes[0].yaxis
    texts = [axis.get_major_formatter()(t, n) for n, t in enumerate(_shown_ticks(axis))]
    assert texts == ["0"]
    assert axis.get_major_formatter()(-0.0, 0) == "0"


@pytest.mark.parametrize(
    ("labels", "width"),
    [
        (days(date(2019, 1, 1), 60), 9),  # two months of days
        (days(date(2025, 12, 1), 365), 9),  # a year of days
        ([f"Week of {n:02d} Jan 2026" for n in range(1, 53)], 9),
        ([f"Jan {n:02d} 2026" for n in range(24)], 5.6),  # half width
        ([f"Representative {n} Name" for n in range(8)], 5.6),  # eight long names
    ],
)
def test_x_labels_never_overlap_and_the_last_is_named(labels, width):
    chart = Chart(
        "bar",
        "Revenue",
        labels,
        [Series("Revenue", [n % 7 + 1 for n in range(len(labels))])],
        options={"width": width},
    )
    figure = chart_figure(chart)
    assert not x_labels_overlap(figure)
    shown = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert shown[-1] == labels[-1]
    # Every bar is still drawn, named or not.
    assert chart_svg(chart).count('id="bar-0-') == len(labels)


def test_few_short_labels_stay_upright_and_all_named():
    labels = ["Current", "1-30 days", "31-60 days", "61-90 days", "90+ days"]
    chart = Chart("bar", "Aging", labels, [Series("Balance", [5, 4, 3, 2, 1])])
    axes = chart_figure(chart).axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == labels
    assert {label.get_rotation() for label in axes.get_xticklabels()} == {0}


# The sales report -----------------------------------------------------------------


def test_an_empty_sales_period_says_so_instead_of_drawing_axes(manager_client, rep):
    params = custom(date(2019, 1, 1), date(2019, 3, 1))
    response = manager_client.get(SALES, params)
    page = response.content.decode()
    assert 'data-testid="report-empty">No sales in this period.</p>' in page
    assert svgs(page) == []  # no axis of 0, 0, -0 under sixty dates
    table = shown_table(response)
    assert table.rows == [] and table.totals is None
    # The downloads hold that same (empty) table: its header alone.
    download = manager_client.get(SALES, {**params, "format": "csv"})
    assert download.content.decode().strip().splitlines() == [
        "Period,Revenue,Orders,Units,Average order value"
    ]
    narrowed = manager_client.get(SALES, {**params, "rep": rep.pk})
    assert narrowed.context["ctx"].rep == rep
    assert "No sales in this period with these filters." in narrowed.content.decode()


def test_sixty_days_are_all_drawn_with_thinned_labels(client):
    data = sales_dataset()
    client.force_login(data.manager)
    response = client.get(SALES, custom(date(2026, 2, 1), date(2026, 4, 1), by="day"))
    page = response.content.decode()
    assert len(shown_table(response).rows) == 60
    assert bars(page) == 60
    (svg,) = svgs(page)
    labels = tick_labels(svg, 1)
    assert len(labels) <= 30 and labels[-1] == "2026-04-01"
    assert set(labels) <= {row["period"] for row in shown_table(response).rows}


def test_the_week_month_and_quarter_under_way_are_marked_to_date(manager_client):
    today = timezone.localdate()
    billable_order(order_date=today)
    this_month = custom(today.replace(day=1), today)

    def periods(**params) -> list[str]:
        response = manager_client.get(SALES, params)
        return [row["period"] for row in shown_table(response).rows]

    assert periods(**this_month, by="month") == [f"{today:%b %Y} (to date)"]
    assert periods(**this_month, by="week")[-1].endswith(" (to date)")
    quarter = f"{today.year} Q{(today.month - 1) // 3 + 1} (to date)"
    assert periods(**this_month, by="quarter") == [quarter]
    # A day is not marked; nor is a period that ended before today.
    assert not periods(**this_month, by="day")[-1].endswith("(to date)")
    billable_order(order_date=today - relativedelta(months=1))
    last_month = today.replace(day=1) - relativedelta(months=1)
    ended = custom(last_month, today.replace(day=1) - timedelta(days=1), by="month")
    assert periods(**ended) == [f"{last_month:%b %Y}"]


# Customers: new and returning per month ------------------------------------------


def test_new_and_returning_counts_whole_customers_and_marks_this_month(
    manager_client,
):
    today = timezone.localdate()
    billable_order(order_date=today)
    response = manager_client.get(
        "/analytics/reports/customers/",
        custom(
            today.replace(day=1) - relativedelta(months=2), today, view="new-returning"
        ),
    )
    months = [row["month"] for row in shown_table(response).rows]
    assert len(months) == 3 and months[-1] == f"{today:%b %Y} (to date)"
    (svg,) = svgs(response.content.decode())
    assert tick_labels(svg, 2) == ["0", "1"]  # one new customer


def test_new_and_returning_with_nobody_ordering_shows_no_chart(manager_client):
    response = manager_client.get(
        "/analytics/reports/customers/",
        custom(date(2019, 1, 1), date(2019, 3, 31), view="new-returning"),
    )
    page = response.content.decode()
    assert "No customer ordered in this period." in page
    assert svgs(page) == []
    # The months stay listed, at zero.
    assert [row["new"] for row in shown_table(response).rows] == [0, 0, 0]


# Sales team -----------------------------------------------------------------------


def test_team_without_revenue_lists_the_reps_but_draws_no_empty_axis(
    manager_client, rep
):
    response = manager_client.get(
        "/analytics/reports/team/", custom(date(2019, 1, 1), date(2019, 3, 1))
    )
    page = response.content.decode()
    assert "No revenue in this period." in page
    assert svgs(page) == []
    assert any(row["revenue"] == 0 for row in shown_table(response).rows)


# Pipeline: counts ----------------------------------------------------------------


def _pipeline(client, start, end, view):
    return client.get(
        "/analytics/reports/pipeline/", custom(start, end, view=view)
    ).content.decode()


def test_one_lost_opportunity_ticks_zero_and_one(manager_client):
    today = timezone.localdate()
    start, end = today - timedelta(days=30), today - timedelta(days=1)
    price, _ = LostReason.objects.get_or_create(name="Price")
    customer = CustomerFactory()
    deal(
        owner=customer.owner,
        customer=customer,
        lost_reason=price,
        history=[
            (Stage.LEAD, at(start - timedelta(days=5))),
            (Stage.LOST, at(start + timedelta(days=2))),
        ],
    )
    (svg,) = svgs(_pipeline(manager_client, start, end, "lost"))
    assert tick_labels(svg, 2) == ["0", "1"]  # not 0, 0, 0, 1, 1, 1
    # One opportunity created in the period reaches lead: whole numbers again.
    deal(
        owner=customer.owner,
        customer=customer,
        history=[(Stage.LEAD, at(start + timedelta(days=1)))],
    )
    (svg,) = svgs(_pipeline(manager_client, start, end, "conversion"))
    assert tick_labels(svg, 1) == ["0", "1"]


def test_an_empty_pipeline_tab_says_what_is_missing(manager_client):
    start, end = date(2019, 1, 1), date(2019, 3, 1)
    assert "No opportunity was lost in this period." in _pipeline(
        manager_client, start, end, "lost"
    )
    assert "No opportunity was created in this period." in _pipeline(
        manager_client, start, end, "conversion"
    )
    assert "No opportunity left a stage in this period." in _pipeline(
        manager_client, start, end, "time"
    )
