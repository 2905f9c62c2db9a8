"""The Receivables report (aging as of today, overall and per customer) against a
small hand-computed set of orders: partial payments, a refund, discounts, tax and
shipping, each bucket's edges, and orders that owe nothing (paid, draft,
cancelled)."""

import io
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.reports import receivables
from orders.services import (
    LineInput,
    order_cancel,
    order_confirm,
    payment_record,
    refund_record,
)
from tests.analytics.report_checks import (
    bars,
    csv_matches_table,
    shown_table,
    xlsx_matches_table,
)
from tests.customers.factories import CustomerFactory
from tests.orders.factories import draft_order, priced_product
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db
URL = "/analytics/reports/receivables/"
D = Decimal
BUCKET_KEYS = ("current", "d1_30", "d31_60", "d61_90", "d90")


def receivables_data(tag: str = "") -> SimpleNamespace:
    """Customers pay in 30 days, so an order dated 30 + n days ago is n days late."""
    today = timezone.localdate()
    a = RepFactory(first_name="Alice", last_name=f"Archer{tag}")
    b = RepFactory(first_name="Bob", last_name=f"Baker{tag}")
    north = CustomerFactory(
        name=f"North Ltd{tag}", owner=a, region="North", source_channel="website"
    )
    south = CustomerFactory(
        name=f"South Ltd{tag}", owner=a, region="South", source_channel="referral"
    )
    other = CustomerFactory(
        name=f"Bobs Ltd{tag}", owner=b, region="North", source_channel="website"
    )
    p100 = priced_product("100.00")  # + 20 % tax

    def order(customer, late, lines=None, *, paid=None, confirm=True, **fields):
        made = draft_order(
            customer=customer,
            lines=lines or [(p100, 1)],
            order_date=today - timedelta(days=30 + late),
            stock=5,
            **fields,
        )
        if not confirm:
            return made
        made = order_confirm(order=made, user=made.owner)
        if paid:
            payment_record(order=made, user=made.owner, amount=D(paid))
        return made

    order(north, -20, paid="50.00")  # current: 120.00 - 50.00
    order(north, 0, shipping_charge=D("10.00"))  # due today: current, 130.00
    order(north, 1)  # 1-30: 120.00
    # 1-30: 2 x 100 less 10 % and 5 % = 171.00 + 34.20 tax, 5.20 paid: 200.00
    order(
        south,
        30,
        [LineInput(p100, 2, discount_percent=D("10"))],
        discount_percent=D("5"),
        paid="5.20",
    )
    refunded = order(south, 31, paid="100.00")  # 31-60: 120 - (100 - 30) = 50.00
    refund_record(order=refunded, user=a, amount=D("30.00"))
    order(north, 90, paid="20.00")  # 61-90: 100.00
    order(north, 91)  # 90+: 120.00
    order(north, 45, paid="120.00")  # paid in full: owes nothing
    order(north, 170, confirm=False)  # a draft owes nothing
    cancelled = order(north, 70)
    order_cancel(order=cancelled, user=a)
    order(other, 40)  # B's customer, 31-60: 120.00
    return SimpleNamespace(a=a, b=b, north=north, south=south, other=other)


@pytest.fixture
def data():
    return receivables_data()


def _get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def _aging(table):
    return [
        (row["bucket"], row["orders"], row["balance"], row["share"])
        for row in table.rows
    ]


def test_aging_buckets_for_a_manager(manager_client, data):
    response = _get(manager_client)
    table = shown_table(response)
    assert _aging(table) == [
        ("Current (not yet due)", 2, D("200.00"), D("22.0")),
        ("1-30 days", 2, D("320.00"), D("35.2")),
        ("31-60 days", 2, D("170.00"), D("18.7")),
        ("61-90 days", 1, D("100.00"), D("11.0")),
        ("90+ days", 1, D("120.00"), D("13.2")),
    ]
    assert (table.totals["orders"], table.totals["balance"]) == (8, D("910.00"))
    body = response.content.decode()
    assert bars(body) == 5
    assert "there is no period to choose" in body


def test_aging_ignores_the_period(manager_client, data):
    last_year = shown_table(_get(manager_client, period="last_year"))
    assert last_year.totals["balance"] == D("910.00")


def test_the_page_offers_no_period_and_says_as_of_today(manager_client, data):
    from openpyxl import load_workbook

    today = timezone.localdate()
    # A period in the URL, even a broken one, is neither shown nor an error.
    response = _get(manager_client, period="custom", start="not a date")
    form = response.context["form"]
    assert {"period", "start", "end"}.isdisjoint(form.fields)
    assert form.is_valid()
    body = response.content.decode()
    assert 'name="period"' not in body and 'name="start"' not in body
    assert f"As of today, {today:%-d %b %Y}" in body
    assert shown_table(response).totals["balance"] == D("910.00")

    xlsx = manager_client.get(URL, {"format": "xlsx", "period": "last_year"})
    assert f'filename="receivables-aging-{today}.xlsx"' in xlsx["Content-Disposition"]
    about = dict(
        load_workbook(io.BytesIO(xlsx.content))["About"].iter_rows(values_only=True)
    )
    assert about["As of"] == today.isoformat()
    assert "Period" not in about


def test_aging_for_a_rep_leaves_out_other_reps_customers(client, data):
    client.force_login(data.a)
    table = shown_table(_get(client))
    assert _aging(table) == [
        ("Current (not yet due)", 2, D("200.00"), D("25.3")),
        ("1-30 days", 2, D("320.00"), D("40.5")),
        ("31-60 days", 1, D("50.00"), D("6.3")),
        ("61-90 days", 1, D("100.00"), D("12.7")),
        ("90+ days", 1, D("120.00"), D("15.2")),
    ]
    assert table.totals["balance"] == D("790.00")


def test_aging_filters(manager_client, data):
    by_rep = shown_table(_get(manager_client, rep=data.b.pk))
    assert by_rep.totals["balance"] == D("120.00")
    north = shown_table(_get(manager_client, region="North"))
    assert north.totals["balance"] == D("660.00")  # 540 + 120
    referral = shown_table(_get(manager_client, channel="referral"))
    assert referral.totals["balance"] == D("250.00")


def test_by_customer_most_overdue_first(manager_client, data):
    response = _get(manager_client, view="customers")
    table = shown_table(response)
    figures = [
        (
            row["customer"],
            row["owner"],
            " ".join(str(row[key]) for key in (*BUCKET_KEYS, "overdue", "total")),
        )
        for row in table.rows
    ]
    # current, 1-30, 31-60, 61-90, 90+, overdue, total
    assert figures == [
        ("North Ltd", "Alice Archer", "200.00 120.00 0.00 100.00 120.00 340.00 540.00"),
        ("South Ltd", "Alice Archer", "0.00 200.00 50.00 0.00 0.00 250.00 250.00"),
        ("Bobs Ltd", "Bob Baker", "0.00 0.00 120.00 0.00 0.00 120.00 120.00"),
    ]
    totals = table.totals
    assert [totals[k] for k in BUCKET_KEYS] == [
        D("200.00"),
        D("320.00"),
        D("170.00"),
        D("100.00"),
        D("120.00"),
    ]
    assert (totals["overdue"], totals["total"]) == (D("710.00"), D("910.00"))
    body = response.content.decode()
    assert f'href="/customers/{data.north.pk}/"' in body
    assert bars(body) == 3  # the customers with an overdue balance


def test_by_customer_for_a_rep(client, data):
    client.force_login(data.a)
    response = _get(client, view="customers")
    assert [row["customer"] for row in shown_table(response).rows] == [
        "North Ltd",
        "South Ltd",
    ]
    assert "Bobs Ltd" not in response.content.decode()


def test_by_customer_is_cut_with_a_note_and_totals_of_all(
    manager_client, data, monkeypatch
):
    monkeypatch.setattr(receivables, "CUSTOMER_LIMIT", 2)
    response = _get(manager_client, view="customers")
    table = shown_table(response)
    assert [row["customer"] for row in table.rows] == ["North Ltd", "South Ltd"]
    assert table.totals["total"] == D("910.00")
    assert "Showing the 2 customers with the most overdue of 3" in (
        response.context["result"].note
    )


@pytest.mark.parametrize("view", ["aging", "customers"])
def test_the_downloads_equal_the_table(manager_client, data, view):
    table = shown_table(_get(manager_client, view=view))
    csv_response = manager_client.get(URL, {"view": view, "format": "csv"})
    assert csv_matches_table(csv_response, table)
    xlsx = manager_client.get(URL, {"view": view, "format": "xlsx"})
    assert xlsx_matches_table(xlsx, table)


@pytest.mark.parametrize("view, limit", [("aging", 10), ("customers", 12)])
def test_the_query_count_is_pinned_and_does_not_grow(manager_client, data, view, limit):
    with CaptureQueriesContext(connection) as first:
        before = shown_table(_get(manager_client, view=view))
    receivables_data(tag=" 2")
    with CaptureQueriesContext(connection) as second:
        after = shown_table(_get(manager_client, view=view))
    assert after.totals["balance" if view == "aging" else "total"] == D("1820.00")
    assert before.rows != after.rows
    assert len(second) == len(first)
    assert len(first) <= limit


def test_nothing_owed_shows_an_empty_page(manager_client):
    response = _get(manager_client)
    assert shown_table(response).rows == []
    assert 'data-testid="report-empty"' in response.content.decode()


def test_an_unknown_tab_is_404(manager_client):
    assert manager_client.get(URL, {"view": "aging2"}).status_code == 404
