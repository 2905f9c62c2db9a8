"""The Pipeline report's tabs (stage conversion, time in stage, lost reasons)
against small hand-computed stage histories."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opportunities.models import LostReason, Stage
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
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db
URL = "/analytics/reports/pipeline/"
D = Decimal
L, Q, P, N, W, X = (
    Stage.LEAD,
    Stage.QUALIFIED,
    Stage.PROPOSAL,
    Stage.NEGOTIATION,
    Stage.WON,
    Stage.LOST,
)


def _period():
    today = timezone.localdate()
    return today - timedelta(days=60), today - timedelta(days=10)


def _reps(tag: str = ""):
    a = RepFactory(first_name="Alice", last_name=f"Archer{tag}")
    b = RepFactory(first_name="Bob", last_name=f"Baker{tag}")
    ca = CustomerFactory(owner=a, region="North", source_channel="website")
    cb = CustomerFactory(owner=b, region="South", source_channel="event")
    return a, b, ca, cb


def stage_data(tag: str = "") -> SimpleNamespace:
    """Histories for conversion and time in stage. t0 is the period's second day."""
    start, end = _period()
    a, b, ca, cb = _reps(tag)
    t0 = at(start + timedelta(days=1))

    def t(days: float):
        return t0 + timedelta(days=days)

    price, _ = LostReason.objects.get_or_create(name="Price")
    histories = [
        (ca, [(L, t(0)), (Q, t(2)), (P, t(5)), (N, t(9)), (W, t(10))]),  # p1
        (ca, [(L, t(0)), (Q, t(4)), (X, t(5))]),  # p2
        (ca, [(P, t(0)), (N, t(1.5)), (X, t(3.5))]),  # p3: skipped two stages
        (ca, [(L, t(0))]),  # p4: still a lead
        (ca, [(L, t(0)), (P, t(6)), (W, t(8))]),  # p5: skipped qualified
        # p6: created before the period; only its exit from qualified is in it.
        (
            ca,
            [
                (L, at(start - timedelta(days=10))),
                (Q, at(start - timedelta(days=2))),
                (P, at(start + timedelta(days=1))),
            ],
        ),
        (cb, [(L, t(0)), (Q, t(1.5))]),  # p7: B's
        (ca, [(L, t(0)), (Q, at(end + timedelta(days=2)))]),  # p8: left lead later
    ]
    for customer, history in histories:
        deal(
            owner=customer.owner, customer=customer, history=history, lost_reason=price
        )
    return SimpleNamespace(a=a, b=b, start=start, end=end)


def lost_data(tag: str = "") -> SimpleNamespace:
    """Deals created before the period and lost in it (one reopened since), one
    lost before it; A's and one of B's."""
    start, end = _period()
    a, b, ca, cb = _reps(tag)
    price, _ = LostReason.objects.get_or_create(name="Price")
    rival, _ = LostReason.objects.get_or_create(name="Competitor")
    made = at(start - timedelta(days=3))
    t0 = at(start + timedelta(days=1))
    for customer, amount, reason, note, history in (
        (ca, "1000", price, "", [(L, made), (X, t0)]),
        (ca, "2000", price, "", [(L, made), (X, t0 + timedelta(days=1))]),
        (ca, "500", rival, "", [(L, made), (X, t0)]),
        (ca, "100", None, "They went quiet", [(L, made), (X, t0)]),
        (cb, "50", rival, "", [(L, made), (X, t0)]),
        (ca, "700", price, "", [(L, at(start - timedelta(days=20))), (X, made)]),
        (ca, "900", rival, "", [(L, made), (X, t0), (L, t0 + timedelta(days=1))]),
    ):
        deal(
            owner=customer.owner,
            customer=customer,
            amount=D(amount),
            lost_reason=reason,
            lost_note=note,
            history=history,
        )
    return SimpleNamespace(a=a, b=b, start=start, end=end)


def _get(client, data, view, **params):
    response = client.get(URL, custom(data.start, data.end, view=view, **params))
    assert response.status_code == 200
    return response


def _figures(table, *keys):
    return [tuple(row[key] for key in keys) for row in table.rows]


# Stage conversion -------------------------------------------------------------------


def test_conversion_counts_every_stage_up_to_the_furthest_reached(manager_client):
    data = stage_data()
    response = _get(manager_client, data, "conversion")
    table = shown_table(response)
    assert _figures(table, "stage", "reached", "from_previous", "from_first") == [
        ("Lead", 7, None, D("100.0")),
        ("Qualified", 6, D("85.7"), D("85.7")),
        ("Proposal", 3, D("50.0"), D("42.9")),
        ("Negotiation", 3, D("100.0"), D("42.9")),
        ("Won", 2, D("66.7"), D("28.6")),
    ]
    assert bars(response.content.decode()) == 5


def test_conversion_for_a_rep_counts_only_their_opportunities(client):
    data = stage_data()
    client.force_login(data.a)
    table = shown_table(_get(client, data, "conversion"))
    assert _figures(table, "reached", "from_previous", "from_first") == [
        (6, None, D("100.0")),
        (5, D("83.3"), D("83.3")),
        (3, D("60.0"), D("50.0")),
        (3, D("100.0"), D("50.0")),
        (2, D("66.7"), D("33.3")),
    ]


def test_conversion_filters_by_rep_region_and_channel(manager_client):
    data = stage_data()
    by_rep = shown_table(_get(manager_client, data, "conversion", rep=data.b.pk))
    assert _figures(by_rep, "reached") == [(1,), (1,), (0,), (0,), (0,)]
    south = shown_table(_get(manager_client, data, "conversion", region="South"))
    assert _figures(south, "reached") == [(1,), (1,), (0,), (0,), (0,)]
    # A lead without a customer yet has its own source channel.
    deal(
        owner=data.a,
        lead=True,
        source_channel="event",
        history=[(L, at(data.start + timedelta(days=3)))],
    )
    event = shown_table(_get(manager_client, data, "conversion", channel="event"))
    assert _figures(event, "reached") == [(2,), (1,), (0,), (0,), (0,)]


def test_conversion_with_no_opportunities_shows_nothing(manager_client):
    start, end = _period()
    response = manager_client.get(URL, custom(start, end))
    assert shown_table(response).rows == []
    assert 'data-testid="report-empty"' in response.content.decode()


# Time in stage ---------------------------------------------------------------------


def test_time_in_stage_averages_and_medians_the_exits_in_the_period(manager_client):
    data = stage_data()
    response = _get(manager_client, data, "time")
    table = shown_table(response)
    assert _figures(table, "stage", "transitions", "average", "median") == [
        ("Lead", 4, D("3.4"), D("3.0")),  # 2, 4, 6, 1.5 days
        ("Qualified", 3, D("2.3"), D("3.0")),  # 3, 1, 3 (p6's exit)
        ("Proposal", 3, D("2.5"), D("2.0")),  # 4, 2, 1.5
        ("Negotiation", 2, D("1.5"), D("1.5")),  # 1, 2
    ]
    assert bars(response.content.decode()) == 4


def test_time_in_stage_for_a_rep(client):
    data = stage_data()
    client.force_login(data.a)
    rows = rows_by(shown_table(_get(client, data, "time")), "stage")
    assert (rows["Lead"]["transitions"], rows["Lead"]["average"]) == (3, D("4.0"))
    assert rows["Lead"]["median"] == D("4.0")


def test_time_in_stage_outside_the_period_is_empty(manager_client):
    stage_data()
    today = timezone.localdate()
    response = manager_client.get(
        URL,
        custom(today - timedelta(days=400), today - timedelta(days=300), view="time"),
    )
    assert shown_table(response).rows == []


# Lost reasons ----------------------------------------------------------------------


def test_lost_reasons_most_frequent_first_with_cumulative_share(manager_client):
    data = lost_data()
    response = _get(manager_client, data, "lost")
    table = shown_table(response)
    assert _figures(table, "reason", "count", "amount", "share", "cumulative") == [
        ("Price", 2, D("3000.00"), D("40.0"), D("40.0")),
        ("Competitor", 2, D("550.00"), D("40.0"), D("80.0")),
        ("Other (in words)", 1, D("100.00"), D("20.0"), D("100.0")),
    ]
    assert (table.totals["count"], table.totals["amount"]) == (5, D("3650.00"))
    assert bars(response.content.decode()) == 3


def test_lost_reasons_for_a_rep_leave_out_other_reps_deals(client):
    data = lost_data()
    client.force_login(data.a)
    table = shown_table(_get(client, data, "lost"))
    assert _figures(table, "reason", "count", "amount", "share", "cumulative") == [
        ("Price", 2, D("3000.00"), D("50.0"), D("50.0")),
        ("Competitor", 1, D("500.00"), D("25.0"), D("75.0")),
        ("Other (in words)", 1, D("100.00"), D("25.0"), D("100.0")),
    ]


# Every tab -------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["conversion", "time", "lost"])
def test_the_downloads_equal_the_table(manager_client, view):
    data = stage_data()
    lost_data(tag="L")
    table = shown_table(_get(manager_client, data, view))
    assert table.rows
    params = custom(data.start, data.end, view=view)
    assert csv_matches_table(
        manager_client.get(URL, {**params, "format": "csv"}), table
    )
    xlsx = manager_client.get(URL, {**params, "format": "xlsx"})
    assert xlsx_matches_table(xlsx, table)


@pytest.mark.parametrize("view", ["conversion", "time", "lost"])
def test_the_query_count_is_pinned_and_does_not_grow(manager_client, view):
    data = stage_data()
    lost_data(tag="L")
    params = custom(data.start, data.end, view=view)
    with CaptureQueriesContext(connection) as first:
        before = shown_table(manager_client.get(URL, params))
    stage_data(tag="2")
    lost_data(tag="L2")
    with CaptureQueriesContext(connection) as second:
        after = shown_table(manager_client.get(URL, params))
    assert after.rows != before.rows  # twice the data
    assert len(second) == len(first)
    assert len(first) <= 10


def test_an_unknown_tab_is_404(manager_client):
    assert manager_client.get(URL, {"view": "funnel"}).status_code == 404
