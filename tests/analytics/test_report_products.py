"""The Products report against a small hand-computed data set: revenue, cost and
margin by product and by top-level category, and the slow movers with their stock;
drafts and cancelled orders left out, line and order discounts in, tax and shipping
out; a rep's scope; exports, charts, query counts, options and tabs."""

from datetime import date
from decimal import Decimal

import pytest

from inventory.services import stock_receive
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
from tests.inventory.factories import WarehouseFactory
from tests.products.factories import CategoryFactory, ProductFactory
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db

Q1 = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}
D = Decimal


def _order(customer, day, lines, *, status="confirmed", **fields):
    order = services.order_create(
        customer=customer,
        warehouse=fields.pop("warehouse"),
        lines=lines,
        created_by=customer.owner,
        order_date=day,
        **fields,
    )
    if status in ("confirmed", "cancelled"):
        order = services.order_confirm(order=order, user=customer.owner)
    if status == "cancelled":
        order = services.order_cancel(order=order, user=customer.owner)
    return order


def catalogue(prefix: str = ""):
    """Tools (with Drills under it) and Paper; A-C sell in Q1 2026, D never sold
    by the period's end, E last sold in October 2025, F inactive."""
    tools = CategoryFactory(name=f"{prefix}Tools")
    drills = CategoryFactory(name="Drills", parent=tools)
    paper = CategoryFactory(name=f"{prefix}Paper")

    def product(sku, category, price, cost, **kwargs):
        return ProductFactory(
            sku=f"{prefix}{sku}",
            name=sku.title(),
            category=category,
            list_price=D(price),
            cost=D(cost),
            tax_rate=D("20.00"),
            **kwargs,
        )

    return {
        "tools": tools,
        "drills": drills,
        "paper": paper,
        "A": product("DRL-1", drills, "100.00", "60.00"),
        "B": product("HAM-1", tools, "50.00", "20.00"),
        "C": product("PAP-1", paper, "10.00", "4.00"),
        "D": product("OLD-1", paper, "30.00", "12.00"),
        "E": product("SLO-1", tools, "40.00", "25.00"),
        "F": product("GONE-1", tools, "40.00", "25.00", is_active=False),
    }


def sales(prefix: str = "", rep_a=None, rep_b=None):
    rep_a, rep_b = rep_a or RepFactory(), rep_b or RepFactory()
    items = catalogue(prefix)
    main = WarehouseFactory(code="MAIN")
    second = WarehouseFactory(code="SECOND")
    for key, quantity in {"A": 50, "B": 20, "C": 100, "D": 5, "E": 7, "F": 9}.items():
        stock_receive(product=items[key], warehouse=main, quantity=quantity)
    stock_receive(product=items["D"], warehouse=second, quantity=3)
    x = CustomerFactory(owner=rep_a)
    y = CustomerFactory(owner=rep_a)
    z = CustomerFactory(owner=rep_b)
    A, B, C, D_, E = (items[k] for k in "ABCDE")
    # 3 x A at 100 less 10 % = 270, less the 5 % order discount = 256.50;
    # 2 x B at 50 = 100, less 5 % = 95.00; tax and the 15.00 shipping left out.
    first = _order(
        x,
        date(2026, 1, 10),
        [LineInput(A, 3, discount_percent=D("10")), LineInput(B, 2)],
        warehouse=main,
        discount_percent=D("5"),
        shipping_charge=D("15.00"),
    )
    services.payment_record(order=first, user=rep_a, amount=D("100.00"))
    _order(y, date(2026, 2, 15), [LineInput(C, 10), LineInput(A, 1)], warehouse=main)
    _order(z, date(2026, 3, 5), [LineInput(B, 4)], warehouse=main)
    _order(x, date(2026, 2, 20), [LineInput(A, 5)], warehouse=main, status="draft")
    _order(y, date(2026, 3, 20), [LineInput(C, 20)], warehouse=main, status="cancelled")
    _order(x, date(2025, 10, 1), [LineInput(E, 1)], warehouse=main)
    _order(z, date(2026, 4, 10), [LineInput(D_, 1)], warehouse=main)  # after the end
    return {**items, "x": x, "y": y, "z": z, "rep_a": rep_a, "rep_b": rep_b}


@pytest.fixture
def data():
    return sales()


def _by_sku(response) -> dict:
    return {row["sku"]: row for row in response.context["result"].table.rows}


def test_by_product_figures_for_a_manager(manager_client, data):
    response = report_get(manager_client, "products", **Q1)
    result = response.context["result"]
    assert [row["product"] for row in result.table.rows] == [
        "DRL-1 · Drl-1",
        "HAM-1 · Ham-1",
        "PAP-1 · Pap-1",
    ]
    rows = _by_sku(response)
    # A: 256.50 + 100.00 (the draft's 5 units are not sold); cost 4 x 60.
    assert rows["DRL-1"]["category"] == "Tools > Drills"
    assert (rows["DRL-1"]["units"], rows["DRL-1"]["revenue"]) == (4, D("356.50"))
    assert (rows["DRL-1"]["cost"], rows["DRL-1"]["margin"]) == (
        D("240.00"),
        D("116.50"),
    )
    assert rows["DRL-1"]["margin_percent"] == D("32.7")  # 116.50 / 356.50
    # B: 95.00 + 4 x 50; cost 6 x 20.
    assert (rows["HAM-1"]["units"], rows["HAM-1"]["revenue"]) == (6, D("295.00"))
    assert (rows["HAM-1"]["cost"], rows["HAM-1"]["margin"]) == (
        D("120.00"),
        D("175.00"),
    )
    assert rows["HAM-1"]["margin_percent"] == D("59.3")
    # C: the cancelled order's 20 units left out.
    assert (rows["PAP-1"]["units"], rows["PAP-1"]["revenue"]) == (10, D("100.00"))
    assert (rows["PAP-1"]["margin"], rows["PAP-1"]["margin_percent"]) == (
        D("60.00"),
        D("60.0"),
    )
    totals = result.table.totals
    assert totals["product"] == "Total (3 products)"
    assert (totals["units"], totals["revenue"], totals["cost"]) == (
        20,
        D("751.50"),
        D("400.00"),
    )
    assert (totals["margin"], totals["margin_percent"]) == (D("351.50"), D("46.8"))
    assert result.note == ""
    body = response.content.decode()
    assert f'href="/products/{data["A"].pk}/"' in body
    assert bars(response) == 3


def test_by_category_rolls_children_into_their_parent(manager_client, data):
    response = report_get(manager_client, "products", view="by-category", **Q1)
    rows = response.context["result"].table.rows
    assert [row["category"] for row in rows] == ["Tools", "Paper"]
    tools, paper = rows
    # Tools: Drills' A (356.50) and B (295.00).
    assert (tools["units"], tools["revenue"], tools["cost"]) == (
        10,
        D("651.50"),
        D("360.00"),
    )
    assert (tools["margin"], tools["margin_percent"], tools["revenue_share"]) == (
        D("291.50"),
        D("44.7"),
        D("86.7"),
    )
    assert (paper["revenue"], paper["margin"], paper["revenue_share"]) == (
        D("100.00"),
        D("60.00"),
        D("13.3"),
    )
    totals = response.context["result"].table.totals
    assert (totals["revenue"], totals["margin"], totals["revenue_share"]) == (
        D("751.50"),
        D("351.50"),
        D("100.0"),
    )
    assert bars(response) == 2
    assert f"/products/?category={data['tools'].pk}" in response.content.decode()


def test_slow_movers_with_their_stock(manager_client, data):
    response = report_get(manager_client, "products", view="slow-movers", **Q1)
    result = response.context["result"]
    rows = _by_sku(response)
    # E: 7 on hand (1 reserved by its October order) x 25.00; D: 5 + 3 x 12.00.
    # D sold on 10 April, after the period: as of 31 March it never sold.
    assert list(rows) == ["SLO-1", "OLD-1"]
    slow, old = rows["SLO-1"], rows["OLD-1"]
    assert (slow["last_sale"], slow["days_without_sale"]) == ("2025-10-01", 181)
    assert (slow["on_hand"], slow["reserved"], slow["available"]) == (7, 1, 6)
    assert slow["stock_value"] == D("175.00")
    assert (old["last_sale"], old["days_without_sale"]) == ("never", None)
    assert (old["on_hand"], old["reserved"], old["available"]) == (8, 1, 7)
    assert old["stock_value"] == D("96.00")
    totals = result.table.totals
    assert totals["product"] == "Total (2 products)"
    assert (totals["on_hand"], totals["reserved"], totals["available"]) == (15, 2, 13)
    assert totals["stock_value"] == D("271.00")
    assert "2026-01-01" in result.note and "start is not used" in result.note
    assert bars(response) == 2


def test_slow_movers_over_30_days_ignore_drafts_and_cancelled_orders(
    manager_client, data
):
    response = report_get(
        manager_client, "products", view="slow-movers", days="30", **Q1
    )
    # 2 March to 31 March: A's draft (20 Feb) and C's cancelled order (20 March) are
    # no sales; only B sold (5 March).
    assert column(response, "sku") == ["DRL-1", "PAP-1", "SLO-1", "OLD-1"]
    rows = _by_sku(response)
    assert (rows["DRL-1"]["last_sale"], rows["DRL-1"]["reserved"]) == ("2026-02-15", 4)
    assert rows["DRL-1"]["stock_value"] == D("3000.00")  # 50 x 60.00
    assert (rows["PAP-1"]["reserved"], rows["PAP-1"]["stock_value"]) == (
        10,
        D("400.00"),
    )
    assert bars(response) == 4
    assert response.context["result"].title == "Slow movers: no sale in 30 days"


def test_a_bad_days_value_falls_back_to_90(manager_client, data):
    for bad in ("7", "abc", "-1", ""):
        response = report_get(
            manager_client, "products", view="slow-movers", days=bad, **Q1
        )
        assert column(response, "sku") == ["SLO-1", "OLD-1"]
        assert "90 days" in response.context["result"].title


def test_the_category_filter(manager_client, data):
    tools = {"category": data["tools"].pk, **Q1}
    response = report_get(manager_client, "products", **tools)
    assert column(response, "sku") == ["DRL-1", "HAM-1"]
    drills = {"category": data["drills"].pk, **Q1}
    assert column(report_get(manager_client, "products", **drills), "sku") == ["DRL-1"]
    slow = report_get(manager_client, "products", view="slow-movers", **tools)
    assert column(slow, "sku") == ["SLO-1"]  # F is inactive
    by_category = report_get(manager_client, "products", view="by-category", **tools)
    assert column(by_category, "category") == ["Tools"]


def test_a_rep_sees_only_their_customers_sales(client, data):
    client.force_login(data["rep_a"])
    rows = _by_sku(report_get(client, "products", **Q1))
    assert list(rows) == ["DRL-1", "PAP-1", "HAM-1"]
    assert rows["HAM-1"]["revenue"] == D("95.00")  # not rep B's 200.00
    assert rows["DRL-1"]["revenue"] == D("356.50")
    categories = report_get(client, "products", view="by-category", **Q1)
    assert [row["revenue"] for row in categories.context["result"].table.rows] == [
        D("451.50"),
        D("100.00"),
    ]
    client.force_login(data["rep_b"])
    rows = _by_sku(report_get(client, "products", **Q1))
    assert list(rows) == ["HAM-1"]
    assert rows["HAM-1"]["revenue"] == D("200.00")
    # Rep B's customers never bought A, C or E: rep A's sales dates stay hidden.
    slow = _by_sku(report_get(client, "products", view="slow-movers", **Q1))
    assert list(slow) == ["DRL-1", "PAP-1", "SLO-1", "OLD-1"]
    assert {row["last_sale"] for row in slow.values()} == {"never"}


def test_the_rep_filter_for_a_manager(manager_client, data):
    mine = {"rep": data["rep_b"].pk, **Q1}
    rows = _by_sku(report_get(manager_client, "products", **mine))
    assert list(rows) == ["HAM-1"]
    assert rows["HAM-1"]["revenue"] == D("200.00")


@pytest.mark.parametrize("view", ["by-product", "by-category", "slow-movers"])
def test_csv_and_xlsx_equal_the_table(manager_client, data, view):
    params = {"view": view, **Q1}
    records = csv_matches_table(manager_client, "products", params)
    assert len(records) == 1 + 3 + 1 if view == "by-product" else len(records) == 4
    xlsx_matches_table(manager_client, "products", params)


def test_the_first_500_products_are_shown_with_a_note(manager_client, monkeypatch):
    from analytics.reports import products

    monkeypatch.setattr(products, "ROW_LIMIT", 2)
    data = sales()
    response = report_get(manager_client, "products", **Q1)
    result = response.context["result"]
    assert column(response, "sku") == ["DRL-1", "HAM-1"]
    assert result.table.totals["revenue"] == D("751.50")  # all three products
    assert "first 2 of 3" in result.note
    slow = report_get(manager_client, "products", view="slow-movers", days="30", **Q1)
    assert column(slow, "sku") == ["DRL-1", "PAP-1"]
    assert slow.context["result"].table.totals["stock_value"] == D("3671.00")
    assert "first 2 of 4" in slow.context["result"].note
    assert data


def test_products_with_equal_revenue_are_listed_by_sku(manager_client):
    warehouse = WarehouseFactory()
    customer = CustomerFactory()
    # Created in the reverse of their SKUs' order, so ids and SKUs disagree.
    skus = ["TIE-C", "TIE-B", "TIE-A"]
    products = [ProductFactory(sku=sku, list_price=D("25.00")) for sku in skus]
    top = ProductFactory(sku="TIE-Z", list_price=D("90.00"))
    for product in (*products, top):
        stock_receive(product=product, warehouse=warehouse, quantity=10, user=None)
    _order(
        customer,
        date(2026, 2, 1),
        [LineInput(product=p, quantity=2) for p in (*products, top)],
        warehouse=warehouse,
    )
    response = report_get(manager_client, "products", **Q1)
    assert column(response, "sku") == ["TIE-Z", "TIE-A", "TIE-B", "TIE-C"]
    assert column(response, "revenue") == [D("180.00"), *[D("50.00")] * 3]


# The page itself takes 10 (session, user, permissions, roles, the filter choices,
# the navbar's counts); then one query per tab, totals included, and by product a
# second one for the shown products' names.
@pytest.mark.parametrize(
    ("view", "most"),
    [("by-product", 12), ("by-category", 11), ("slow-movers", 11)],
)
def test_query_counts_do_not_grow_with_the_data(manager_client, data, view, most):
    params = {"view": view, **Q1}
    report_get(manager_client, "products", **params)  # warm the caches
    before = queries_of(manager_client, "products", params)
    sales(prefix="more-", rep_a=data["rep_a"], rep_b=data["rep_b"])
    after = queries_of(manager_client, "products", params)
    assert len(column(report_get(manager_client, "products", **params), "label")) > 1
    assert before == after == most


def test_an_unknown_tab_is_404(manager_client, data):
    response = manager_client.get("/analytics/reports/products/", {"view": "nope"})
    assert response.status_code == 404


def test_a_user_without_a_role_is_refused(client, data):
    from tests.sms.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get("/analytics/reports/products/").status_code == 403


def test_empty_tabs_show_no_chart(manager_client):
    for view in ("by-product", "by-category", "slow-movers"):
        response = report_get(manager_client, "products", view=view, **Q1)
        assert 'data-testid="report-empty"' in response.content.decode()
