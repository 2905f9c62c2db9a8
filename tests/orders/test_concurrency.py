"""Reps confirming orders for the last units at the same moment, on PostgreSQL."""

import threading

import pytest
from django.db import connection

from inventory.models import StockItem, StockMovement
from inventory.services import InsufficientStock
from orders import services
from orders.models import Order
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.orders.factories import draft_order
from tests.products.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(orders) -> dict[int, str]:
    barrier = threading.Barrier(len(orders), timeout=30)
    outcomes: dict[int, str] = {}
    lock = threading.Lock()

    def run(order):
        try:
            barrier.wait()
            services.order_confirm(order=order, user=None)
            outcome = "confirmed"
        except InsufficientStock:
            outcome = "insufficient"
        except Exception as exc:  # a deadlock or anything else fails the test
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes[order.pk] = outcome

    threads = [threading.Thread(target=run, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def test_twenty_confirmations_for_the_last_five_units():
    warehouse = WarehouseFactory(code="MAIN")
    product = ProductFactory()
    stocked(product, warehouse, 5)
    customer = CustomerFactory(email="")
    # Mixed sizes: 1, 2 or 3 units each, so which orders fit depends on who wins.
    sizes = [1 + i % 3 for i in range(20)]
    orders = [
        draft_order(customer=customer, warehouse=warehouse, lines=[(product, size)])
        for size in sizes
    ]

    outcomes = _race(orders)

    assert set(outcomes.values()) <= {"confirmed", "insufficient"}, outcomes
    confirmed = Order.objects.filter(status=Order.Status.CONFIRMED)
    reserved = sum(order.lines.get().quantity for order in confirmed)
    item = StockItem.objects.get(product=product, warehouse=warehouse)
    assert item.on_hand == 5
    assert item.reserved == reserved <= 5
    # Exactly the orders that fit were confirmed: every refused order was bigger
    # than what was left when it was refused, so at the end nothing refused fits.
    refused = Order.objects.filter(status=Order.Status.DRAFT)
    assert refused.count() == 20 - confirmed.count()
    assert all(order.lines.get().quantity > 5 - reserved for order in refused)
    assert StockMovement.objects.filter(kind="reservation").count() == confirmed.count()
    assert {o.pk for o in confirmed} == {
        pk for pk, outcome in outcomes.items() if outcome == "confirmed"
    }


def test_two_lines_in_opposite_order_do_not_deadlock():
    warehouse = WarehouseFactory(code="MAIN")
    first, second = ProductFactory(), ProductFactory()
    stocked(first, warehouse, 50)
    stocked(second, warehouse, 50)
    customer = CustomerFactory(email="")
    orders = [
        draft_order(
            customer=customer,
            warehouse=warehouse,
            lines=[(first, 1), (second, 1)] if i % 2 else [(second, 1), (first, 1)],
        )
        for i in range(10)
    ]
    outcomes = _race(orders)
    assert set(outcomes.values()) == {"confirmed"}, outcomes
    for product in (first, second):
        assert StockItem.objects.get(product=product).reserved == 10
