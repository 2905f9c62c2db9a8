"""Totals over every group of a grouped query, carried on each of its rows:
``SUM(SUM(x)) OVER ()`` and ``COUNT(MIN(key)) OVER ()``. Window functions run after
GROUP BY and before LIMIT, so a table cut to its top rows still gets the totals of
all its groups from the same single scan instead of a second aggregate query over
the same lines."""

from django.db.models import DecimalField, Func, IntegerField, Min
from django.db.models.aggregates import Aggregate

MONEY = DecimalField(max_digits=20, decimal_places=2)


class _OverAll(Func):
    template = "%(function)s(%(expressions)s) OVER ()"


def grand_sum(aggregate: Aggregate, output_field=MONEY) -> Func:
    """The sum of ``aggregate`` over all groups. Counts come back as Decimal on
    PostgreSQL (SUM of a bigint is numeric): callers int() them."""
    return _OverAll(aggregate, function="SUM", output_field=output_field)


def group_count(key: str) -> Func:
    """How many groups the query has (before any LIMIT)."""
    return _OverAll(Min(key), function="COUNT", output_field=IntegerField())
