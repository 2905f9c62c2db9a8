"""Reservations racing for the last units, on PostgreSQL (row locks are real there)."""

import threading

import pytest
from django.db import connection

from inventory.models import StockItem, StockMovement
from inventory.services import (
    InsufficientStock,
    StockLine,
    stock_reserve,
    stock_reserve_lines,
)
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


def _race(work, *, threads: int = THREADS) -> list[str]:
    """Run ``work`` in ``threads`` threads released at the same moment."""
    barrier = threading.Barrier(threads, timeout=20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            work()
            outcome = "ok"
        except InsufficientStock:
            outcome = "insufficient"
        except Exception as exc:  # a deadlock or anything else fails the test
            outcome = f"error: {exc!r}"
        finally:
            connection.close()  # each thread has its own connection
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers), "a thread hung"
    return outcomes


def test_ten_reps_reserving_the_last_three_units_three_succeed_seven_are_told():
    product = ProductFactory()
    warehouse = WarehouseFactory(code="MAIN")
    stocked(product, warehouse, 3)

    outcomes = _race(
        lambda: stock_reserve(product=product, warehouse=warehouse, quantity=1)
    )

    assert sorted(outcomes) == ["insufficient"] * 7 + ["ok"] * 3, outcomes
    item = StockItem.objects.get(product=product, warehouse=warehouse)
    assert (item.on_hand, item.reserved) == (3, 3)
    assert StockMovement.objects.filter(kind="reservation").count() == 3


def test_multi_line_reservations_in_opposite_orders_do_not_deadlock():
    main, east = WarehouseFactory(code="MAIN"), WarehouseFactory(code="EAST")
    first, second = ProductFactory(), ProductFactory()
    for product in (first, second):
        for warehouse in (main, east):
            stocked(product, warehouse, 5)
    forward = [StockLine(first, main, 1), StockLine(second, east, 1)]
    backward = list(reversed(forward))
    turn = iter(range(THREADS))

    def work():
        lines = forward if next(turn) % 2 else backward
        stock_reserve_lines(lines=lines)

    outcomes = _race(work)

    assert sorted(outcomes) == ["insufficient"] * 5 + ["ok"] * 5, outcomes
    reserved = dict(
        StockItem.objects.filter(reserved__gt=0).values_list("product_id", "reserved")
    )
    assert reserved == {first.pk: 5, second.pk: 5}
    assert (
        not StockItem.objects.filter(reserved__gt=0, warehouse=main)
        .exclude(product=first)
        .exists()
    )
