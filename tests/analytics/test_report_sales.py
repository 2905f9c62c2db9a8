import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.analytics.report_data import MARCH, sales_dataset

URL = "/analytics/reports/sales/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return sales_dataset()


def rows_of(response):
    return response.context["result"].table.rows


def totals_of(response):
    return response.context["result"].table.totals


def test_march_by_month_counts_only_billable_orders_net_of_discounts(client, data):
    client.force_login(data.manager)
    response = client.get(URL, {**MARCH, "by": "month"})
    assert response.status_code == 200
    (march,) = rows_of(response)
    # O1 210.00 + O2 95.00; the cancelled O3, the draft O4, February's O6 and
    # April's O5 are out; tax and shipping are not revenue.
    assert march["revenue"] == Decimal("305.00")
    assert march["orders"] == 2
    assert march["units"] == 6
    assert march["average"] == Decimal("152.50")
    assert totals_of(response)["revenue"] == Decimal("305.00")


def test_days_are_all_listed_with_empty_ones_at_zero(client, data):
    client.force_login(data.manager)
    response = client.get(URL, {**MARCH, "by": "day"})
    rows = rows_of(response)
    assert len(rows) == 31
    by_day = {row["period"]: row for row in rows}
    assert by_day["2026-03-02"]["revenue"] == Decimal("210.00")
    assert by_day["2026-03-02"]["units"] == 5
    assert by_day["2026-03-10"]["revenue"] == Decimal("95.00")
    assert by_day["2026-03-20"]["revenue"] == Decimal("0.00")  # the cancelled one
    assert by_day["2026-03-05"]["average"] is None
    # One bar per day in the chart.
    assert response.content.decode().count('id="bar-0-') == 31


def test_filters_rep_region_channel_and_category(client, data):
    client.force_login(data.manager)

    def revenue(**extra):
        response = client.get(URL, {**MARCH, "by": "month", **extra})
        return totals_of(response)["revenue"], totals_of(response)["units"]

    assert revenue(rep=data.rep1.pk) == (Decimal("210.00"), 5)
    assert revenue(region="South") == (Decimal("95.00"), 1)
    assert revenue(channel="website") == (Decimal("210.00"), 5)
    # Hardware is the parent of Printers: product A's lines only (180 + 95).
    assert revenue(category=data.hardware.pk) == (Decimal("275.00"), 3)
    assert revenue(category=data.services_category.pk) == (Decimal("30.00"), 3)


def test_a_rep_sees_only_their_own_customers(client, data):
    client.force_login(data.rep2)
    response = client.get(URL, {**MARCH, "by": "month"})
    assert totals_of(response)["revenue"] == Decimal("95.00")
    assert "rep" not in response.context["form"].fields
    # A rep filter in the URL changes nothing for a rep.
    response = client.get(URL, {**MARCH, "by": "month", "rep": data.rep1.pk})
    assert totals_of(response)["revenue"] == Decimal("95.00")


def test_csv_and_xlsx_hold_exactly_the_table(client, data):
    client.force_login(data.manager)
    params = {**MARCH, "by": "week"}
    page = client.get(URL, params)
    table = page.context["result"].table
    expected = [[c.label for c in table.columns]]
    for row in [*table.rows, table.totals]:
        expected.append(
            ["" if row[c.key] is None else str(row[c.key]) for c in table.columns]
        )

    response = client.get(URL, {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == expected

    response = client.get(URL, {**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content))["Report"]
    cells = [
        ["" if value is None else value for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert [str(value) for value in cells[0]] == expected[0]
    for got, want in zip(cells[1:], expected[1:], strict=True):
        assert got[0] == want[0]
        assert [Decimal(str(v)) if v != "" else "" for v in got[1:]] == [
            Decimal(w) if w != "" else "" for w in want[1:]
        ]


def test_bad_input_shows_errors_and_never_fails(client, data):
    client.force_login(data.manager)
    response = client.get(
        URL,
        {"period": "custom", "start": "2026-03-31", "end": "2026-03-01", "by": "hour"},
    )
    assert response.status_code == 200
    assert "The end is before the start." in response.content.decode()
    assert client.get("/analytics/reports/nope/").status_code == 404
    assert client.get(URL, {"view": "nope"}).status_code == 404


def test_query_count_does_not_grow_with_the_data(
    client, data, django_assert_max_num_queries
):
    client.force_login(data.manager)
    params = {**MARCH, "by": "day", "rep": data.rep1.pk, "category": data.hardware.pk}
    with django_assert_max_num_queries(13) as first:
        client.get(URL, params)
    sales_dataset_again(data)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(URL, params)


def sales_dataset_again(data):
    """More orders on the same days: twice the lines, same number of queries."""
    from datetime import date

    from orders import services
    from orders.services import LineInput

    warehouse = data.orders["O1"].warehouse
    for day in (2, 10, 11, 12):
        order = services.order_create(
            customer=data.c1,
            warehouse=warehouse,
            lines=[LineInput(data.a, 1), LineInput(data.b, 1)],
            created_by=data.rep1,
            order_date=date(2026, 3, day),
        )
        services.order_confirm(order=order, user=data.rep1)
