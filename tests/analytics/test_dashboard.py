from decimal import Decimal

import pytest

from opportunities.models import LostReason, Stage
from opportunities.services import opportunity_move
from tests.analytics.report_data import MARCH, sales_dataset
from tests.opportunities.factories import opportunity

URL = "/analytics/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return sales_dataset()


def tiles(response) -> dict:
    return {tile.key: tile for tile in response.context["tiles"]}


def test_march_against_the_31_days_before(client, data):
    client.force_login(data.manager)
    response = client.get(URL, MARCH)
    assert response.status_code == 200
    t = tiles(response)
    # March: O1 210.00 + O2 95.00. The 31 days before (29 Jan - 28 Feb): O6 20.00.
    assert (t["revenue"].value, t["revenue"].previous) == (
        Decimal("305.00"),
        Decimal("20.00"),
    )
    assert t["revenue"].change == Decimal("1425.0")
    assert (t["orders"].value, t["orders"].previous) == (2, 1)
    assert (t["average"].value, t["average"].previous) == (
        Decimal("152.50"),
        Decimal("20.00"),
    )
    # Beta's first order is in March; Alpha's was on 27 February.
    assert (t["new_customers"].value, t["new_customers"].previous) == (1, 1)
    # Overdue today: O6 22.00 + O1 249.00 + O2 (121.50 - 50.00 paid) + O5 120.00.
    assert t["overdue"].value == Decimal("462.50")
    assert t["overdue"].note.startswith("4 orders")
    assert t["low_stock"].value == 0


def test_charts_hold_the_period_and_draw_one_bar_per_row(client, data):
    client.force_login(data.manager)
    response = client.get(URL, MARCH)
    charts = {chart["key"]: chart for chart in response.context["charts"]}
    monthly = {row["label"]: row for row in charts["monthly"]["rows"]}
    assert len(monthly) == 12
    assert monthly["Mar 2026"]["revenue"] == Decimal("305.00")
    assert monthly["Feb 2026"]["revenue"] == Decimal("20.00")
    assert monthly["Mar 2026"]["last_year"] == Decimal("0.00")
    # Two series of twelve bars.
    svg = charts["monthly"]["svg"]
    assert svg.count('id="bar-0-') == 12 and svg.count('id="bar-1-') == 12
    categories = [(r["label"], r["revenue"]) for r in charts["category"]["rows"]]
    assert categories == [
        ("Hardware", Decimal("275.00")),
        ("Services", Decimal("30.00")),
    ]
    assert charts["category"]["svg"].count('id="bar-0-') == 2
    customers = [(r["label"], r["revenue"]) for r in charts["customers"]["rows"]]
    assert customers == [
        ("Alpha Ltd", Decimal("210.00")),
        ("Beta plc", Decimal("95.00")),
    ]
    products = [(r["label"], r["revenue"]) for r in charts["products"]["rows"]]
    assert products == [("A Printer", Decimal("275.00")), ("B Setup", Decimal("30.00"))]
    reps = [r["revenue"] for r in charts["reps"]["rows"]]
    assert reps == [Decimal("210.00"), Decimal("95.00")]


def test_a_rep_dashboard_covers_their_own_customers(client, data):
    client.force_login(data.rep2)
    response = client.get(URL, MARCH)
    t = tiles(response)
    assert t["revenue"].value == Decimal("95.00")
    assert t["revenue"].previous == Decimal("0.00")
    assert t["revenue"].change is None  # no base to compare with
    assert t["overdue"].value == Decimal("191.50")  # O2 71.50 + O5 120.00
    assert "low_stock" not in t
    charts = {chart["key"]: chart for chart in response.context["charts"]}
    assert [r["label"] for r in charts["customers"]["rows"]] == ["Beta plc"]
    assert "your customers only" in response.content.decode()


def test_win_rate_and_pipeline(client, data):
    reason = LostReason.objects.create(name="Price")
    won = [opportunity(owner=data.rep1, amount=Decimal("500.00")) for _ in range(2)]
    for opp in won:
        opportunity_move(opportunity=opp, to_stage=Stage.WON, user=data.rep1)
    lost = opportunity(owner=data.rep2)
    opportunity_move(
        opportunity=lost, to_stage=Stage.LOST, user=data.rep2, lost_reason=reason
    )
    opportunity(owner=data.rep1, amount=Decimal("1000.00"))  # a lead: 10 %
    proposal = opportunity(owner=data.rep2, amount=Decimal("2000.00"))
    opportunity_move(opportunity=proposal, to_stage=Stage.PROPOSAL, user=data.rep2)

    client.force_login(data.manager)
    t = tiles(client.get(URL, {"period": "this_month"}))
    assert t["win_rate"].value == Decimal("66.7")
    assert t["win_rate"].previous is None
    assert t["pipeline"].value == Decimal("3000.00")
    assert t["weighted"].value == Decimal("1100.00")  # 1000 x 10 % + 2000 x 50 %
    funnel = {
        row["label"]: row["amount"]
        for row in client.get(URL).context["charts"][4]["rows"]
    }
    assert funnel["Lead"] == Decimal("1000.00") and funnel["Proposal"] == Decimal(
        "2000.00"
    )

    client.force_login(data.rep1)
    t = tiles(client.get(URL, {"period": "this_month"}))
    assert t["win_rate"].value == Decimal("100.0")
    assert t["pipeline"].value == Decimal("1000.00")


def test_query_count_is_pinned_and_does_not_grow(
    client, data, django_assert_max_num_queries
):
    from tests.analytics.test_report_sales import sales_dataset_again

    client.force_login(data.manager)
    # 23 at most: the page's own, one per tile group and chart, and the names of
    # the top customers and products (read for the ten shown only).
    with django_assert_max_num_queries(23) as first:
        client.get(URL, MARCH)
    sales_dataset_again(data)
    opportunity(owner=data.rep1)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(URL, MARCH)


def test_reps_and_managers_may_open_it_anonymous_users_log_in(client, data):
    assert client.get(URL).status_code == 302
    client.force_login(data.rep1)
    assert client.get(URL).status_code == 200


def test_figures_are_cached_until_the_data_changes(
    client, data, django_assert_max_num_queries
):
    from datetime import date

    from orders import services
    from orders.services import LineInput

    client.force_login(data.manager)
    assert tiles(client.get(URL, MARCH))["revenue"].value == Decimal("305.00")
    # The same page again: session, user, roles, filter choices and the live
    # low-stock count; the figures come from the cache.
    with django_assert_max_num_queries(10):
        assert tiles(client.get(URL, MARCH))["revenue"].value == Decimal("305.00")
    order = services.order_create(
        customer=data.c2,
        warehouse=data.orders["O2"].warehouse,
        lines=[LineInput(data.b, 4)],
        created_by=data.rep2,
        order_date=date(2026, 3, 30),
    )
    # A draft changes nothing, yet the figures are recomputed (and still right).
    assert tiles(client.get(URL, MARCH))["revenue"].value == Decimal("305.00")
    services.order_confirm(order=order, user=data.rep2)
    assert tiles(client.get(URL, MARCH))["revenue"].value == Decimal("345.00")
