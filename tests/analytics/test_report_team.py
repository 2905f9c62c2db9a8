"""The Sales team report against a small hand-computed data set: two reps and a
manager, orders with discounts, tax and shipping (plus a draft, a cancelled order
and one outside the period), deals won, lost and open, and logged activities."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.services import interaction_log
from opportunities.models import LostReason, Stage
from orders.services import LineInput, order_cancel, order_confirm
from tests.analytics.report_checks import (
    at,
    bars,
    csv_matches_table,
    custom,
    deal,
    rows_by,
    shown_table,
    xlsx_matches_table,
)
from tests.customers.factories import CustomerFactory
from tests.orders.factories import draft_order, priced_product
from tests.sms.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db
URL = "/analytics/reports/team/"
D = Decimal


def _order(customer, lines, day, *, owner=None, confirm=True, **fields):
    order = draft_order(
        customer=customer,
        lines=lines,
        order_date=day,
        stock=10,
        owner=owner or customer.owner,
        **fields,
    )
    return order_confirm(order=order, user=order.owner) if confirm else order


def team_data(tag: str = "") -> SimpleNamespace:
    """Reps A and B; period = 40 to 10 days ago. Expected figures in the tests."""
    today = timezone.localdate()
    start, end = today - timedelta(days=40), today - timedelta(days=10)
    a = RepFactory(first_name="Alice", last_name=f"Archer{tag}")
    b = RepFactory(first_name="Bob", last_name=f"Baker{tag}")
    ca = CustomerFactory(owner=a, region="North", source_channel="website")
    ca2 = CustomerFactory(owner=a, region="South", source_channel="referral")
    cb = CustomerFactory(owner=b, region="North", source_channel="website")
    p100, p50 = priced_product("100.00"), priced_product("50.00")
    in_period = start + timedelta(days=5)

    # A: 171.00 (2 x 100, 10 % line and 5 % order discount; shipping and tax
    # excluded) and 50.00; a draft, a cancelled order and an older one do not count.
    _order(
        ca,
        [LineInput(p100, 2, discount_percent=D("10"))],
        in_period,
        discount_percent=D("5"),
        shipping_charge=D("15.00"),
    )
    _order(ca2, [(p50, 1)], in_period)
    _order(ca, [(p100, 1)], in_period, confirm=False)
    cancelled = _order(ca, [(p100, 1)], in_period)
    order_cancel(order=cancelled, user=a)
    _order(ca, [(p100, 1)], start - timedelta(days=1))
    # B: 300.00, and 45.00 on A's customer credited to B.
    _order(cb, [(p100, 3)], end)
    _order(ca, [LineInput(p50, 1, discount_percent=D("10"))], start, owner=b)

    price, _ = LostReason.objects.get_or_create(name="Price")
    day = at(start + timedelta(days=1))
    # A: won 1000 in 20 days and 500 in 10.375 days, lost 300; a deal lost before
    # the period; open 2000 at 75 % and 1000 at a probability set to 20 %.
    deal(
        owner=a,
        customer=ca,
        amount=D("1000"),
        history=[(Stage.LEAD, day), (Stage.WON, day + timedelta(days=20))],
    )
    deal(
        owner=a,
        customer=ca,
        amount=D("500"),
        history=[
            (Stage.QUALIFIED, day + timedelta(days=1)),
            (Stage.WON, day + timedelta(days=11, hours=9)),
        ],
    )
    deal(
        owner=a,
        customer=ca,
        amount=D("300"),
        lost_reason=price,
        history=[(Stage.LEAD, day), (Stage.LOST, day + timedelta(days=2))],
    )
    deal(
        owner=a,
        customer=ca,
        amount=D("999"),
        lost_reason=price,
        history=[
            (Stage.LEAD, day - timedelta(days=20)),
            (Stage.LOST, day - timedelta(days=6)),
        ],
    )
    deal(owner=a, customer=ca, amount=D("2000"), history=[(Stage.NEGOTIATION, day)])
    deal(
        owner=a,
        customer=ca2,
        amount=D("1000"),
        probability=20,
        history=[(Stage.LEAD, day)],
    )
    # B: won 400 in 5 days, lost 250, open 800 at 50 %.
    deal(
        owner=b,
        customer=cb,
        amount=D("400"),
        history=[
            (Stage.PROPOSAL, day + timedelta(days=2)),
            (Stage.WON, day + timedelta(days=7)),
        ],
    )
    deal(
        owner=b,
        customer=cb,
        amount=D("250"),
        lost_note="Moved abroad",
        history=[(Stage.LEAD, day), (Stage.LOST, day + timedelta(days=3))],
    )
    deal(owner=b, customer=cb, amount=D("800"), history=[(Stage.PROPOSAL, day)])

    # Activities in the period: A 2 on ca, 1 on ca2, 1 on B's customer; B 2. One of
    # A's is older.
    for customer, user, when in (
        (ca, a, day),
        (ca, a, day + timedelta(days=3)),
        (ca2, a, day),
        (cb, a, day),
        (cb, b, day),
        (cb, b, at(end, 23, 30)),
        (ca, a, at(start - timedelta(days=1), 23, 30)),
    ):
        interaction_log(
            customer=customer,
            created_by=user,
            kind="call",
            summary="Called",
            occurred_at=when,
        )
    return SimpleNamespace(a=a, b=b, start=start, end=end)


@pytest.fixture
def data():
    return team_data()


def _get(client, data, **params):
    response = client.get(URL, custom(data.start, data.end, **params))
    assert response.status_code == 200
    return response


def test_team_figures_per_rep_for_a_manager(client, data):
    manager = ManagerFactory(first_name="Mia", last_name="Manager")
    client.force_login(manager)
    table = shown_table(_get(client, data))
    rows = rows_by(table, "rep")
    assert [row["rep"] for row in table.rows] == [
        "Bob Baker",
        "Alice Archer",
        "Mia Manager",
    ]
    alice, bob = rows["Alice Archer"], rows["Bob Baker"]
    assert (alice["revenue"], alice["orders"]) == (D("221.00"), 2)
    assert (bob["revenue"], bob["orders"]) == (D("345.00"), 2)
    assert (alice["won"], alice["lost"], alice["win_rate"]) == (2, 1, D("66.7"))
    assert (bob["won"], bob["lost"], bob["win_rate"]) == (1, 1, D("50.0"))
    assert alice["won_amount"] == D("1500.00")
    assert alice["deal_size"] == D("750.00")
    assert alice["cycle"] == D("15.2")  # (20 + 10.375) / 2
    assert bob["cycle"] == D("5.0")
    assert (alice["activities"], bob["activities"]) == (4, 2)
    assert (alice["pipeline"], alice["weighted"]) == (D("3000.00"), D("1700.00"))
    assert (bob["pipeline"], bob["weighted"]) == (D("800.00"), D("400.00"))
    mia = rows["Mia Manager"]
    assert (mia["revenue"], mia["won"], mia["win_rate"]) == (D("0.00"), 0, None)

    totals = table.totals
    assert (totals["revenue"], totals["orders"]) == (D("566.00"), 4)
    assert (totals["won"], totals["lost"], totals["win_rate"]) == (3, 2, D("60.0"))
    assert totals["won_amount"] == D("1900.00")
    assert totals["deal_size"] == D("633.33")
    assert totals["cycle"] == D("11.8")  # (20 + 10.375 + 5) / 3
    assert totals["activities"] == 6
    assert (totals["pipeline"], totals["weighted"]) == (D("3800.00"), D("2100.00"))


def test_the_region_filter_narrows_every_figure(manager_client, data):
    rows = rows_by(shown_table(_get(manager_client, data, region="North")), "rep")
    alice = rows["Alice Archer"]
    assert (alice["revenue"], alice["orders"]) == (D("171.00"), 1)
    assert alice["activities"] == 3  # the call with the South customer is out
    assert (alice["pipeline"], alice["weighted"]) == (D("2000.00"), D("1500.00"))
    assert rows["Bob Baker"]["revenue"] == D("345.00")


def test_the_channel_filter_uses_the_customers_channel(manager_client, data):
    rows = rows_by(shown_table(_get(manager_client, data, channel="referral")), "rep")
    alice, bob = rows["Alice Archer"], rows["Bob Baker"]
    assert (alice["revenue"], alice["won"], alice["pipeline"]) == (
        D("50.00"),
        0,
        D("1000.00"),
    )
    assert (bob["revenue"], bob["activities"]) == (D("0.00"), 0)


def test_a_rep_sees_only_their_own_row_and_customers(client, data):
    client.force_login(data.a)
    response = _get(client, data)
    table = shown_table(response)
    assert [row["rep"] for row in table.rows] == ["Alice Archer"]
    (alice,) = table.rows
    # Same as the manager sees, but only A's customers: the call A made with B's
    # customer is out of A's scope.
    assert (alice["revenue"], alice["orders"], alice["won"]) == (D("221.00"), 2, 2)
    assert alice["activities"] == 3
    assert table.totals["revenue"] == D("221.00")
    body = response.content.decode()
    assert "Bob Baker" not in body
    assert 'name="rep"' not in body  # no rep filter for a rep

    client.force_login(data.b)
    (bob,) = shown_table(_get(client, data)).rows
    # The 45.00 order credited to B is on A's customer, outside B's scope.
    assert (bob["rep"], bob["revenue"], bob["orders"]) == ("Bob Baker", D("300.00"), 1)


def test_the_downloads_equal_the_table(manager_client, data):
    table = shown_table(_get(manager_client, data))
    params = custom(data.start, data.end)
    assert csv_matches_table(
        manager_client.get(URL, {**params, "format": "csv"}), table
    )
    xlsx = manager_client.get(URL, {**params, "format": "xlsx"})
    assert xlsx_matches_table(xlsx, table)


def test_the_chart_has_a_revenue_bar_per_rep(manager_client, data):
    response = _get(manager_client, data)
    body = response.content.decode()
    assert bars(body, 0) == len(shown_table(response).rows) == 3
    assert bars(body, 1) == 0


def test_the_query_count_is_pinned_and_does_not_grow(manager_client, data):
    params = custom(data.start, data.end)
    with CaptureQueriesContext(connection) as first:
        manager_client.get(URL, params)
    team_data(tag="2")
    with CaptureQueriesContext(connection) as second:
        response = manager_client.get(URL, params)
    assert len(shown_table(response).rows) == 5
    assert len(second) == len(first)
    assert len(first) <= 13


def test_an_unknown_tab_is_404(manager_client):
    assert manager_client.get(URL, {"view": "nope"}).status_code == 404
