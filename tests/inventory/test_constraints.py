"""The database itself refuses impossible stock, whatever the code does."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from inventory.models import LowStockAlert, StockItem, StockMovement
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    product = ProductFactory()
    warehouse = WarehouseFactory()
    stocked(product, warehouse, 2)
    return StockItem.objects.get(product=product, warehouse=warehouse)


@pytest.mark.parametrize(
    "change",
    [
        {"on_hand": -1, "reserved": 0},
        {"reserved": -1},
        {"reserved": 3},
        {"on_hand": F("on_hand") - 5},
    ],
    ids=["negative-on-hand", "negative-reserved", "reserved-over-on-hand", "f-update"],
)
def test_check_constraints_reject_a_direct_update(item, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(pk=item.pk).update(**change)
    item.refresh_from_db()
    assert (item.on_hand, item.reserved) == (2, 0)


def test_only_one_stock_row_per_product_and_warehouse(item):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.create(product=item.product, warehouse=item.warehouse)


def test_a_movement_whose_deltas_do_not_match_its_kind_is_refused(item):
    movement = StockMovement.objects.get(product=item.product)
    fields = {
        "product": item.product,
        "warehouse": item.warehouse,
        "quantity": 1,
        "on_hand_after": 2,
        "reserved_after": 0,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            kind="receipt", on_hand_delta=-1, reserved_delta=0, **fields
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            kind="reservation", on_hand_delta=1, reserved_delta=1, **fields
        )
    assert StockMovement.objects.filter(product=item.product).get() == movement


def test_only_one_open_low_stock_alert_per_product():
    product = ProductFactory()
    LowStockAlert.objects.create(
        product=product, available_at_open=0, reorder_point_at_open=1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LowStockAlert.objects.create(
            product=product, available_at_open=0, reorder_point_at_open=1
        )
