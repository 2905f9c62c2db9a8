"""A demo customer's "customer since" (Customer.created_at) is its first order, or
a working day before the history for one that never ordered; not the day of
seeding."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Min
from django.utils import timezone

from customers.models import Customer
from demo.draw import span_days
from opportunities.models import Opportunity
from orders.models import Order, Payment, Shipment

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


def _since() -> dict[str, tuple]:
    """Per customer: the day it became one, and the exact moment for those that
    never ordered (a first order's time of day may follow the clock: an order
    drawn for the last half hour is placed half an hour ago)."""
    return {
        c.external_ref: (
            timezone.localdate(c.created_at),
            c.created_at if c.first_order is None else None,
        )
        for c in Customer.objects.annotate(first_order=Min("orders__created_at"))
    }


def _demo_delete() -> None:
    """Every customer, after the pipeline and orders that point at them."""
    Opportunity.objects.all().delete()
    Payment.objects.all().delete()
    Shipment.objects.all().delete()
    Order.objects.all().delete()
    Customer.objects.all().delete()


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


def test_customer_since_comes_from_the_seed(settings):
    settings.DEBUG = True
    _seed(seed=4)
    first = _since()
    _seed(seed=4)  # the customers exist: kept as they are
    assert _since() == first
    _demo_delete()
    _seed(seed=4)
    assert _since() == first
    _demo_delete()
    _seed(seed=5)
    assert _since() != first
