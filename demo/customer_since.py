"""When each demo customer became one ("customer since": Customer.created_at).

Customers are written before their orders, so they first carry the moment of
seeding. A customer who ordered became one with the first order; one who never
did was entered some time before the history starts (a prospect from an earlier
campaign), on a business day drawn from the ``rng`` passed in. The creation row of
each customer's change history is moved along with it.
"""

import random
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Subquery
from django.utils import timezone

from customers.models import Customer
from demo.customers import DEMO_PREFIX
from demo.draw import span_days, uniform_int
from orders.models import Order

# A customer without orders was entered up to this many days before the history.
EARLIER_DAYS = 540


def customers_since_set(*, rng: random.Random, months: int) -> int:
    """Date every demo customer from its first order, or before the history's
    first day if it has none; returns how many customers were dated."""
    demo = Customer.objects.filter(external_ref__startswith=DEMO_PREFIX)
    first_order = (
        Order.objects.filter(customer=OuterRef("pk"))
        .values("customer")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    ordered = Exists(Order.objects.filter(customer=OuterRef("pk")))
    with transaction.atomic():
        dated = demo.filter(ordered).update(created_at=Subquery(first_order))
        dated += _before_history(demo.filter(~ordered), rng, months)
        history = Customer.history.model
        history.objects.filter(history_type="+", id__in=demo.values("pk")).update(
            history_date=Subquery(
                Customer.objects.filter(pk=OuterRef("id")).values("created_at")
            )
        )
    return dated


def _before_history(customers, rng: random.Random, months: int) -> int:
    tz = timezone.get_current_timezone()
    start = timezone.localdate() - timedelta(days=span_days(months) - 1)
    pks = list(customers.order_by("external_ref", "pk").values_list("pk", flat=True))
    rows = []
    for pk in pks:
        day = start - timedelta(days=uniform_int(rng, 1, EARLIER_DAYS))
        while day.weekday() >= 5:  # entered on a working day
            day -= timedelta(days=1)
        moment = time(uniform_int(rng, 8, 17), uniform_int(rng, 0, 59))
        at = datetime.combine(day, moment, tzinfo=tz)
        rows.append((connection.ops.adapt_datetimefield_value(at), pk))
    # One statement per row, sent together: bulk_update's CASE over thousands of
    # rows took seconds more.
    quote = connection.ops.quote_name
    table = quote(Customer._meta.db_table)
    column = quote(Customer._meta.get_field("created_at").column)
    pk = quote(Customer._meta.pk.column)
    sql = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)
