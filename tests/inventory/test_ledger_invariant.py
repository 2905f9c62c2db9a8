"""Random sequences of stock moves through the services keep the ledger exact.

A state machine applies receipts, returns, reservations, releases, shipments,
adjustments and transfers to one product in two warehouses. After every step: each
row's on_hand and reserved equal the sums of its movements, on_hand >= reserved >=
0, and the rows match a plain Python model of what should have happened. Impossible
moves must raise and change nothing.
"""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from inventory import services
from inventory.models import StockItem, StockMovement
from tests.inventory.factories import WarehouseFactory
from tests.products.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

quantities = st.integers(min_value=1, max_value=12)
warehouse_index = st.integers(min_value=0, max_value=1)


def _ledger_test(warehouses, category):
    sku_numbers = itertools.count()

    class StockLedger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # A new product per example: examples share one test transaction.
            self.product = ProductFactory(
                sku=f"HYP-{next(sku_numbers)}", category=category
            )
            self.warehouses = warehouses
            self.model = {w.pk: [0, 0] for w in warehouses}  # on_hand, reserved

        def _apply(self, expected_ok, call, deltas):
            before = self._snapshot()
            if expected_ok:
                call()
                for pk, (d_on_hand, d_reserved) in deltas.items():
                    self.model[pk][0] += d_on_hand
                    self.model[pk][1] += d_reserved
            else:
                with pytest.raises(ValidationError):
                    call()
                assert self._snapshot() == before, "a refused move changed stock"

        def _snapshot(self):
            rows = StockItem.objects.filter(product=self.product).values_list(
                "warehouse_id", "on_hand", "reserved"
            )
            count = StockMovement.objects.filter(product=self.product).count()
            return sorted(rows), count

        def _available(self, pk):
            on_hand, reserved = self.model[pk]
            return on_hand - reserved

        @rule(w=warehouse_index, q=quantities)
        def receive(self, w, q):
            warehouse = self.warehouses[w]
            self._apply(
                True,
                lambda: services.stock_receive(
                    product=self.product, warehouse=warehouse, quantity=q
                ),
                {warehouse.pk: (q, 0)},
            )

        @rule(w=warehouse_index, q=quantities)
        def return_(self, w, q):
            warehouse = self.warehouses[w]
            self._apply(
                True,
                lambda: services.stock_return(
                    product=self.product, warehouse=warehouse, quantity=q
                ),
                {warehouse.pk: (q, 0)},
            )

        @rule(w=warehouse_index, q=quantities)
        def reserve(self, w, q):
            warehouse = self.warehouses[w]
            self._apply(
                q <= self._available(warehouse.pk),
                lambda: services.stock_reserve(
                    product=self.product, warehouse=warehouse, quantity=q
                ),
                {warehouse.pk: (0, q)},
            )

        @rule(w=warehouse_index, q=quantities)
        def release(self, w, q):
            warehouse = self.warehouses[w]
            self._apply(
                q <= self.model[warehouse.pk][1],
                lambda: services.stock_release(
                    product=self.product, warehouse=warehouse, quantity=q
                ),
                {warehouse.pk: (0, -q)},
            )

        @rule(w=warehouse_index, q=quantities)
        def ship(self, w, q):
            warehouse = self.warehouses[w]
            self._apply(
                q <= self.model[warehouse.pk][1],
                lambda: services.stock_ship(
                    product=self.product, warehouse=warehouse, quantity=q
                ),
                {warehouse.pk: (-q, -q)},
            )

        @rule(w=warehouse_index, q=quantities)
        def ship_unreserved(self, w, q):
            warehouse = self.warehouses[w]
            self._apply(
                q <= self._available(warehouse.pk),
                lambda: services.stock_ship(
                    product=self.product,
                    warehouse=warehouse,
                    quantity=q,
                    from_reservation=False,
                ),
                {warehouse.pk: (-q, 0)},
            )

        @rule(w=warehouse_index, q=quantities, down=st.booleans())
        def adjust(self, w, q, down):
            warehouse = self.warehouses[w]
            change = -q if down else q
            self._apply(
                not down or q <= self._available(warehouse.pk),
                lambda: services.stock_adjust(
                    product=self.product,
                    warehouse=warehouse,
                    quantity=change,
                    reason="count",
                ),
                {warehouse.pk: (change, 0)},
            )

        @rule(w=warehouse_index, q=quantities, same=st.booleans())
        def transfer(self, w, q, same):
            source = self.warehouses[w]
            destination = source if same else self.warehouses[1 - w]
            self._apply(
                not same and q <= self._available(source.pk),
                lambda: services.stock_transfer(
                    product=self.product,
                    from_warehouse=source,
                    to_warehouse=destination,
                    quantity=q,
                ),
                {} if same else {source.pk: (-q, 0), destination.pk: (q, 0)},
            )

        @invariant()
        def ledger_equals_stock(self):
            items = {
                item.warehouse_id: item
                for item in StockItem.objects.filter(product=self.product)
            }
            total_on_hand = 0
            for warehouse in self.warehouses:
                item = items.get(warehouse.pk)
                on_hand = item.on_hand if item else 0
                reserved = item.reserved if item else 0
                assert [on_hand, reserved] == self.model[warehouse.pk]
                assert 0 <= reserved <= on_hand
                sums = StockMovement.objects.filter(
                    product=self.product, warehouse=warehouse
                ).aggregate(
                    on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
                )
                assert on_hand == (sums["on_hand"] or 0)
                assert reserved == (sums["reserved"] or 0)
                last = (
                    StockMovement.objects.filter(
                        product=self.product, warehouse=warehouse
                    )
                    .order_by("-id")
                    .first()
                )
                if last is not None:
                    assert (last.on_hand_after, last.reserved_after) == (
                        on_hand,
                        reserved,
                    )
                total_on_hand += on_hand
            product_sum = StockMovement.objects.filter(product=self.product).aggregate(
                total=Sum("on_hand_delta")
            )["total"]
            assert total_on_hand == (product_sum or 0)

    return StockLedger


def test_random_stock_moves_keep_on_hand_equal_to_the_sum_of_movements():
    warehouses = [WarehouseFactory(code="MAIN"), WarehouseFactory(code="EAST")]
    machine = _ledger_test(warehouses, CategoryFactory())
    machine.TestCase.settings = settings(
        max_examples=50,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine.TestCase().runTest()
