"""The report indexes on orders are partial (billable orders only): PostgreSQL uses a
partial index only when the query's filter implies the index's condition, so the
condition must stay Order.BILLABLE and the report querysets must keep filtering on
it. Speed itself is measured in bench/bench_reports.py, not here."""

import re
from datetime import date

import pytest
from django.db import connection

from analytics.periods import Period
from analytics.reports.base import ReportContext
from orders.models import Order

pytestmark = pytest.mark.django_db

PARTIAL = ("order_billable_date_idx", "order_billable_cust_date_idx")


def _statuses(index) -> set[str]:
    found = [
        value
        for child in index.condition.children
        if isinstance(child, tuple) and child[0] == "status__in"
        for value in child[1]
    ]
    return set(found)


@pytest.mark.parametrize("name", [*PARTIAL, "order_open_balance_idx"])
def test_report_index_condition_is_the_billable_statuses(name):
    index = next(i for i in Order._meta.indexes if i.name == name)

    assert _statuses(index) == set(Order.BILLABLE)


@pytest.mark.postgres
def test_report_order_query_can_read_the_partial_billable_indexes(manager):
    """With scans of the table ruled out, the planner answers a report's read of
    billable orders from a partial covering index alone: the filter implies the
    index's condition and every column read is in the index."""
    ctx = ReportContext(
        user=manager,
        period=Period(date(2026, 1, 1), date(2026, 1, 31), "January"),
        today=date(2026, 2, 1),
    )
    orders = ctx.orders().order_by().values("customer_id", "net_total")
    sql, params = orders.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # On a near-empty table either partial index is as cheap as the other; both
    # prove the filter implies their condition.
    assert re.search(r"Index Only Scan using order_billable_(cust_)?date_idx", plan)
