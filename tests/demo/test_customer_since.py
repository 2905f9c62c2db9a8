"""A demo customer's "customer since" (Customer.created_at) is its first order, or
a working day before the history for one that never ordered; not the day of
seeding. (That the seed decides it: tests/demo/test_customers.py.)"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Min
from django.utils import timezone

from customers.models import Customer
from demo.draw import span_days

pytestmark = pytest.mark.django_db

MONTHS = 4


def _seed(seed: int) -> None:
    call_command(
        "seed_demo",
        customers=20,
        months=MONTHS,
        seed=seed,
        stdout=StringIO(),
        stderr=StringIO(),
    )


def test_customer_since_is_the_first_order_or_before_the_history(settings):
    settings.DEBUG = True
    _seed(seed=4)
    customers = Customer.objects.annotate(first_order=Min("orders__created_at"))
    buyers = [c for c in customers if c.first_order is not None]
    others = [c for c in customers if c.first_order is None]
    assert buyers and others  # both cases are seeded
    for customer in buyers:
        assert customer.created_at == customer.first_order
    history_start = timezone.localdate() - timedelta(days=span_days(MONTHS) - 1)
    for customer in others:
        day = timezone.localdate(customer.created_at)
        assert day < history_start
        assert day > history_start - timedelta(days=600)
        assert day.weekday() < 5
    # The change history says the customer was created then, too.
    for customer in customers:
        created = customer.history.get(history_type="+")
        assert created.history_date == customer.created_at
