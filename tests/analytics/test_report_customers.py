"""The Customers report against a small hand-computed data set: revenue, orders and
last order by customer; new against returning customers per month (first orders
before the period, drafts and cancelled orders that are no first order); regions;
channels with lifetime revenue; a rep's scope; exports, charts, query counts."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from orders import services
from orders.services import LineInput
from tests.analytics.report_assertions import (
    bars,
    column,
    csv_matches_table,
    queries_of,
    report_get,
    xlsx_matches_table,
)
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db

Q1 = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}
D = Decimal


def people(suffix: str = "", rep_a=None, rep_b=None):
    """X (rep A, North, website): an October 2025 order (100.00), two in Q1
    (351.50 with line and order discounts, 50.00), a draft, one in April (70.00).
    Y (rep A, North, referral): cancelled in December, two in February (200.00,
    30.00), cancelled in March. Z (rep B, South, website): a draft in January, one
    order in March (200.00). W (rep B, no region, event): one order in 2025 (80.00).
    V (rep A, South, referral): never ordered."""
    rep_a, rep_b = rep_a or RepFactory(), rep_b or RepFactory()
    warehouse = WarehouseFactory(code="MAIN")
    price = {
        "100": ProductFactory(list_price=D("100.00"), tax_rate=D("20.00")),
        "50": ProductFactory(list_price=D("50.00"), tax_rate=D("20.00")),
        "10": ProductFactory(list_price=D("10.00"), tax_rate=D("0.00")),
    }
    for product in price.values():
        stocked(product, warehouse, 1000)

    def customer(name, owner, region, channel):
        return CustomerFactory(
            name=f"{name}{suffix}", owner=owner, region=region, source_channel=channel
        )

    x = customer("X", rep_a, "North", "website")
    y = customer("Y", rep_a, "North", "referral")
    z = customer("Z", rep_b, "South", "website")
    w = customer("W", rep_b, "", "event")
    v = customer("V", rep_a, "South", "referral")

    def order(who, day, lines, status="confirmed", **fields):
        made = services.order_create(
            customer=who,
            warehouse=warehouse,
            lines=[LineInput(price[p], q, **extra) for p, q, extra in lines],
            created_by=who.owner,
            order_date=day,
            **fields,
        )
        if status != "draft":
            made = services.order_confirm(order=made, user=who.owner)
        if status == "cancelled":
            made = services.order_cancel(order=made, user=who.owner)
        if status == "delivered":
            line_ids = {line.pk: line.quantity for line in made.lines.all()}
            services.order_ship(order=made, user=who.owner, quantities=line_ids)
            made = services.order_deliver(order=made, user=who.owner)
        return made

    ten = {"discount_percent": D("10")}
    order(x, date(2025, 10, 1), [("100", 1, {})], status="delivered")
    # 3 x 100 less 10 % less 5 % = 256.50; 2 x 50 less 5 % = 95.00; 20 % tax and
    # 15.00 shipping are not revenue.
    first = order(
        x,
        date(2026, 1, 10),
        [("100", 3, ten), ("50", 2, {})],
        discount_percent=D("5"),
        shipping_charge=D("15.00"),
    )
    services.payment_record(order=first, user=rep_a, amount=D("150.00"))
    order(x, date(2026, 2, 20), [("100", 5, {})], status="draft")
    order(x, date(2026, 3, 20), [("50", 1, {})])
    order(x, date(2026, 4, 10), [("10", 7, {})])
    order(y, date(2025, 12, 1), [("100", 9, {})], status="cancelled")
    order(y, date(2026, 2, 15), [("100", 2, {})])
    order(y, date(2026, 2, 25), [("10", 3, {})], status="delivered")
    order(y, date(2026, 3, 1), [("100", 4, {})], status="cancelled")
    order(z, date(2026, 1, 5), [("100", 1, {})], status="draft")
    order(z, date(2026, 3, 5), [("50", 4, {})])
    order(w, date(2025, 6, 1), [("10", 8, {})])
    return {"x": x, "y": y, "z": z, "w": w, "v": v, "rep_a": rep_a, "rep_b": rep_b}


@pytest.fixture
def data():
    return people()


def _rows(response) -> dict:
    rows = response.context["result"].table.rows
    key = next(k for k in ("customer", "month", "region", "channel") if k in rows[0])
    return {row[key]: row for row in rows}


def test_by_customer_for_a_manager(manager_client, data):
    response = report_get(manager_client, "customers", **Q1)
    result = response.context["result"]
    assert column(response, "customer") == ["X", "Y", "Z"]
    x, y, z = result.table.rows
    assert (x["revenue"], x["orders"], x["average"]) == (D("401.50"), 2, D("200.75"))
    # The last order at any date: 10 April is after the period.
    assert x["last_order"] == date(2026, 4, 10)
    assert x["owner"] == data["rep_a"].get_full_name()
    assert (x["region"], x["channel"]) == ("North", "Website")
    assert (y["revenue"], y["orders"], y["average"]) == (D("230.00"), 2, D("115.00"))
    assert y["last_order"] == date(2026, 2, 25)  # the cancelled March order is not
    assert (z["revenue"], z["orders"], z["last_order"]) == (
        D("200.00"),
        1,
        date(2026, 3, 5),
    )
    totals = result.table.totals
    assert totals["customer"] == "Total (3 customers)"
    assert (totals["revenue"], totals["orders"], totals["average"]) == (
        D("831.50"),
        5,
        D("166.30"),
    )
    assert "any date" in result.note
    assert f'href="/customers/{data["x"].pk}/"' in response.content.decode()
    assert bars(response) == 3


def test_new_and_returning_customers_per_month(manager_client, data):
    response = report_get(manager_client, "customers", view="new-returning", **Q1)
    rows = _rows(response)
    assert list(rows) == ["Jan 2026", "Feb 2026", "Mar 2026"]
    # January: X's first order was in October 2025: returning.
    assert (rows["Jan 2026"]["new"], rows["Jan 2026"]["returning"]) == (0, 1)
    assert rows["Jan 2026"]["returning_revenue"] == D("351.50")
    # February: Y's cancelled December order is no first order: new, two orders.
    assert (rows["Feb 2026"]["new"], rows["Feb 2026"]["new_revenue"]) == (
        1,
        D("230.00"),
    )
    assert rows["Feb 2026"]["returning"] == 0
    # March: Z new (its January draft does not count), X returning; Y's March
    # order was cancelled.
    march = rows["Mar 2026"]
    assert (march["new"], march["new_revenue"]) == (1, D("200.00"))
    assert (march["returning"], march["returning_revenue"]) == (1, D("50.00"))
    assert march["revenue"] == D("250.00")
    totals = response.context["result"].table.totals
    assert (totals["new"], totals["new_revenue"], totals["returning"]) == (
        2,
        D("430.00"),
        None,
    )
    assert (totals["returning_revenue"], totals["revenue"]) == (
        D("401.50"),
        D("831.50"),
    )
    # Grouped bars: a new and a returning bar for each of the three months.
    assert (bars(response, 0), bars(response, 1)) == (3, 3)


def test_a_first_order_before_the_period_start_in_the_same_month_is_new(
    manager_client, data
):
    # Y's first order (15 February) is before a period starting on 20 February; Y
    # is still new in February, the month of their first order.
    params = {"period": "custom", "start": "2026-02-20", "end": "2026-03-31"}
    rows = _rows(
        report_get(manager_client, "customers", view="new-returning", **params)
    )
    assert (rows["Feb 2026"]["new"], rows["Feb 2026"]["new_revenue"]) == (1, D("30.00"))


def test_by_region(manager_client, data):
    response = report_get(manager_client, "customers", view="by-region", **Q1)
    rows = _rows(response)
    assert list(rows) == ["North", "South"]
    north, south = rows["North"], rows["South"]
    assert (north["customers"], north["orders"], north["revenue"]) == (
        2,
        4,
        D("631.50"),
    )
    assert north["revenue_share"] == D("75.9")
    assert (south["customers"], south["orders"], south["revenue"]) == (
        1,
        1,
        D("200.00"),
    )
    assert south["revenue_share"] == D("24.1")
    totals = response.context["result"].table.totals
    assert (totals["customers"], totals["orders"], totals["revenue"]) == (
        3,
        5,
        D("831.50"),
    )
    assert bars(response) == 2


def test_by_channel_with_lifetime_revenue(manager_client, data):
    response = report_get(manager_client, "customers", view="by-channel", **Q1)
    rows = _rows(response)
    # Sorted by lifetime revenue per customer: which channels bring the most.
    assert list(rows) == ["Website", "Referral", "Event"]
    web = rows["Website"]
    assert (web["customers"], web["new"], web["revenue"], web["average"]) == (
        2,
        1,
        D("601.50"),
        D("300.75"),
    )
    # X: 100 + 351.50 + 50 + 70 (April) = 571.50, Z: 200.00.
    assert (web["lifetime_customers"], web["lifetime_revenue"]) == (2, D("771.50"))
    assert web["lifetime_average"] == D("385.75")
    ref = rows["Referral"]
    assert (ref["customers"], ref["new"], ref["revenue"]) == (1, 1, D("230.00"))
    assert (ref["lifetime_customers"], ref["lifetime_average"]) == (1, D("230.00"))
    # W bought nothing in the period; V, who never ordered, is in no average.
    event = rows["Event"]
    assert (event["customers"], event["revenue"], event["average"]) == (0, D("0"), None)
    assert (event["lifetime_customers"], event["lifetime_average"]) == (1, D("80.00"))
    totals = response.context["result"].table.totals
    assert (totals["customers"], totals["new"], totals["revenue"]) == (
        3,
        2,
        D("831.50"),
    )
    assert totals["average"] == D("277.17")
    assert (totals["lifetime_customers"], totals["lifetime_revenue"]) == (
        4,
        D("1081.50"),
    )
    assert totals["lifetime_average"] == D("270.38")
    assert bars(response) == 3


def test_a_rep_sees_only_their_customers_in_every_tab(client, data):
    client.force_login(data["rep_a"])
    response = report_get(client, "customers", **Q1)
    assert column(response, "customer") == ["X", "Y"]
    assert response.context["result"].table.totals["revenue"] == D("631.50")
    months = _rows(report_get(client, "customers", view="new-returning", **Q1))
    assert months["Mar 2026"]["new"] == 0  # Z is rep B's
    assert months["Mar 2026"]["revenue"] == D("50.00")
    regions = _rows(report_get(client, "customers", view="by-region", **Q1))
    assert list(regions) == ["North"]
    channels = _rows(report_get(client, "customers", view="by-channel", **Q1))
    assert list(channels) == ["Website", "Referral"]
    assert channels["Website"]["lifetime_revenue"] == D("571.50")
    for view in ("by-customer", "new-returning", "by-region", "by-channel"):
        params = {"view": view, **Q1}
        body = report_get(client, "customers", **params).content.decode()
        exported = client.get(
            "/analytics/reports/customers/", {**params, "format": "csv"}
        ).content.decode()
        cells = {cell for row in csv.reader(io.StringIO(exported)) for cell in row}
        for other in (data["z"], data["w"]):
            assert f"/customers/{other.pk}/" not in body
            assert other.name not in cells
        assert not cells & {"South", "Event", data["rep_b"].get_full_name()}
    client.force_login(data["rep_b"])
    assert column(report_get(client, "customers", **Q1), "customer") == ["Z"]


def test_the_rep_region_and_channel_filters(manager_client, data):
    rows = _rows(report_get(manager_client, "customers", rep=data["rep_b"].pk, **Q1))
    assert list(rows) == ["Z"]
    rows = _rows(report_get(manager_client, "customers", region="North", **Q1))
    assert list(rows) == ["X", "Y"]
    rows = _rows(
        report_get(
            manager_client, "customers", view="by-channel", channel="website", **Q1
        )
    )
    assert list(rows) == ["Website"]
    assert rows["Website"]["lifetime_revenue"] == D("771.50")


@pytest.mark.parametrize(
    "view", ["by-customer", "new-returning", "by-region", "by-channel"]
)
def test_csv_and_xlsx_equal_the_table(manager_client, data, view):
    params = {"view": view, **Q1}
    records = csv_matches_table(manager_client, "customers", params)
    assert len(records) >= 4  # header, rows, totals
    xlsx_matches_table(manager_client, "customers", params)


def test_the_top_500_customers_are_shown_with_a_note(manager_client, monkeypatch):
    from analytics.reports import customers

    monkeypatch.setattr(customers, "ROW_LIMIT", 2)
    people()
    response = report_get(manager_client, "customers", **Q1)
    result = response.context["result"]
    assert column(response, "customer") == ["X", "Y"]
    assert result.table.totals["revenue"] == D("831.50")
    assert "top 2 of 3" in result.note


# The page takes 9 queries of its own (session, user, permissions, roles, the
# filter choices, the navbar's counts); then each tab's: by customer, the rows (with
# the totals), their names and the last orders of those shown; new vs returning,
# everyone and the new per month; by channel, the period, the new, the lifetime
# revenue and the lifetime customers.
@pytest.mark.parametrize(
    ("view", "most"),
    [("by-customer", 12), ("new-returning", 11), ("by-region", 10), ("by-channel", 13)],
)
def test_query_counts_do_not_grow_with_the_data(manager_client, data, view, most):
    params = {"view": view, **Q1}
    report_get(manager_client, "customers", **params)  # warm the caches
    before = queries_of(manager_client, "customers", params)
    people(suffix=" 2", rep_a=data["rep_a"], rep_b=data["rep_b"])
    after = queries_of(manager_client, "customers", params)
    assert before == after == most


def test_a_bad_filter_value_is_shown_and_ignored(manager_client, data):
    response = report_get(manager_client, "customers", channel="nope", **Q1)
    assert "channel" in response.context["form"].errors
    # The page falls back to the default period rather than guessing.
    assert response.context["ctx"].channel is None


def test_an_unknown_tab_is_404(manager_client, data):
    response = manager_client.get("/analytics/reports/customers/", {"view": "nope"})
    assert response.status_code == 404


def test_empty_tabs(manager_client):
    for view in ("by-customer", "by-region", "by-channel"):
        response = report_get(manager_client, "customers", view=view, **Q1)
        assert 'data-testid="report-empty"' in response.content.decode()
    months = report_get(manager_client, "customers", view="new-returning", **Q1)
    assert column(months, "new") == [0, 0, 0]
