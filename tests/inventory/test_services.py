import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from inventory.models import StockItem, StockMovement
from inventory.services import (
    InsufficientStock,
    StockLine,
    stock_adjust,
    stock_receive,
    stock_release,
    stock_release_lines,
    stock_reserve,
    stock_reserve_lines,
    stock_return,
    stock_ship,
    stock_ship_lines,
    stock_transfer,
)
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory
from tests.sms.factories import ManagerFactory

pytestmark = pytest.mark.django_db


def _item(product, warehouse) -> StockItem:
    return StockItem.objects.get(product=product, warehouse=warehouse)


def assert_ledger_matches(product):
    """on_hand and reserved of every row equal the sums of its movements."""
    for item in StockItem.objects.filter(product=product):
        sums = StockMovement.objects.filter(
            product=product, warehouse=item.warehouse
        ).aggregate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
        assert item.on_hand == (sums["on_hand"] or 0)
        assert item.reserved == (sums["reserved"] or 0)
        assert 0 <= item.reserved <= item.on_hand


@pytest.fixture
def product():
    return ProductFactory(sku="LAP-1", name="Laptop")


@pytest.fixture
def main():
    return WarehouseFactory(code="MAIN", name="Main warehouse")


@pytest.fixture
def east():
    return WarehouseFactory(code="EAST", name="East depot")


def test_stock_receive_adds_on_hand_and_writes_one_receipt(product, main):
    user = ManagerFactory()
    movement = stock_receive(
        product=product, warehouse=main, quantity=5, reference="PO-1", user=user
    )
    item = _item(product, main)
    assert (item.on_hand, item.reserved, item.available) == (5, 0, 5)
    assert movement.kind == StockMovement.Kind.RECEIPT
    assert (movement.quantity, movement.on_hand_delta, movement.reserved_delta) == (
        5,
        5,
        0,
    )
    assert movement.on_hand_after == 5
    assert movement.reference == "PO-1"
    assert movement.user == user
    assert_ledger_matches(product)


def test_stock_reserve_then_ship_consumes_reservation_and_on_hand(product, main):
    stocked(product, main, 10)
    stock_reserve(product=product, warehouse=main, quantity=4, reference="SO-1")
    item = _item(product, main)
    assert (item.on_hand, item.reserved, item.available) == (10, 4, 6)
    shipment = stock_ship(product=product, warehouse=main, quantity=3, reference="SO-1")
    item.refresh_from_db()
    assert (item.on_hand, item.reserved) == (7, 1)
    assert (shipment.on_hand_delta, shipment.reserved_delta) == (-3, -3)
    stock_release(product=product, warehouse=main, quantity=1, reference="SO-1")
    item.refresh_from_db()
    assert (item.on_hand, item.reserved) == (7, 0)
    assert_ledger_matches(product)


def test_stock_reserve_more_than_available_raises_insufficient_stock_naming_product(
    product, main
):
    stocked(product, main, 3)
    stock_reserve(product=product, warehouse=main, quantity=1)
    with pytest.raises(InsufficientStock) as caught:
        stock_reserve(product=product, warehouse=main, quantity=3)
    error = caught.value
    assert isinstance(error, ValidationError)
    assert error.product == product
    assert error.available == 2
    message = " ".join(error.messages)
    assert "LAP-1" in message
    assert "2 available" in message
    assert "3 requested" in message
    item = _item(product, main)
    assert (item.on_hand, item.reserved) == (3, 1)
    assert StockMovement.objects.filter(product=product).count() == 2


def test_stock_reserve_with_no_stock_row_raises_and_leaves_no_row(product, main):
    with pytest.raises(InsufficientStock):
        stock_reserve(product=product, warehouse=main, quantity=1)
    assert not StockItem.objects.filter(product=product).exists()


def test_stock_ship_more_than_reserved_is_refused(product, main):
    stocked(product, main, 5)
    stock_reserve(product=product, warehouse=main, quantity=1)
    with pytest.raises(ValidationError, match="only 1 reserved"):
        stock_ship(product=product, warehouse=main, quantity=2)
    assert _item(product, main).on_hand == 5


def test_stock_ship_without_reservation_takes_from_available(product, main):
    stocked(product, main, 5)
    stock_reserve(product=product, warehouse=main, quantity=4)
    stock_ship(product=product, warehouse=main, quantity=1, from_reservation=False)
    item = _item(product, main)
    assert (item.on_hand, item.reserved) == (4, 4)
    with pytest.raises(InsufficientStock):
        stock_ship(product=product, warehouse=main, quantity=1, from_reservation=False)
    assert_ledger_matches(product)


def test_stock_release_more_than_reserved_is_refused(product, main):
    stocked(product, main, 5)
    with pytest.raises(ValidationError, match="only 0 reserved"):
        stock_release(product=product, warehouse=main, quantity=1)


def test_stock_return_adds_on_hand(product, main):
    stock_return(product=product, warehouse=main, quantity=2, reference="RMA-7")
    assert _item(product, main).on_hand == 2
    assert StockMovement.objects.get(product=product).kind == "return"


def test_stock_adjust_needs_a_reason_and_cannot_remove_reserved_units(product, main):
    stocked(product, main, 5)
    stock_reserve(product=product, warehouse=main, quantity=3)
    with pytest.raises(ValidationError) as caught:
        stock_adjust(product=product, warehouse=main, quantity=-1, reason="  ")
    assert "reason" in caught.value.message_dict
    with pytest.raises(InsufficientStock):
        stock_adjust(product=product, warehouse=main, quantity=-3, reason="Broken")
    movement = stock_adjust(
        product=product, warehouse=main, quantity=-2, reason="Broken in storage"
    )
    assert (movement.quantity, movement.on_hand_delta) == (2, -2)
    assert movement.reason == "Broken in storage"
    stock_adjust(product=product, warehouse=main, quantity=4, reason="Found")
    item = _item(product, main)
    assert (item.on_hand, item.reserved) == (7, 3)
    assert_ledger_matches(product)


def test_stock_adjust_refuses_zero(product, main):
    with pytest.raises(ValidationError):
        stock_adjust(product=product, warehouse=main, quantity=0, reason="x")


@pytest.mark.parametrize("quantity", [0, -1, 2.5, "3", True])
def test_moves_refuse_quantities_that_are_not_positive_whole_numbers(
    product, main, quantity
):
    with pytest.raises(ValidationError) as caught:
        stock_receive(product=product, warehouse=main, quantity=quantity)
    assert "quantity" in caught.value.message_dict
    assert not StockMovement.objects.exists()


def test_stock_transfer_moves_available_units_and_writes_two_movements(
    product, main, east
):
    stocked(product, main, 5)
    out, into = stock_transfer(
        product=product, from_warehouse=main, to_warehouse=east, quantity=2
    )
    assert (_item(product, main).on_hand, _item(product, east).on_hand) == (3, 2)
    assert (out.kind, out.on_hand_delta, out.other_warehouse) == (
        "transfer_out",
        -2,
        east,
    )
    assert (into.kind, into.on_hand_delta, into.other_warehouse) == (
        "transfer_in",
        2,
        main,
    )
    assert_ledger_matches(product)


def test_stock_transfer_refuses_same_warehouse_and_more_than_available(
    product, main, east
):
    stocked(product, main, 5)
    stock_reserve(product=product, warehouse=main, quantity=4)
    with pytest.raises(ValidationError) as caught:
        stock_transfer(
            product=product, from_warehouse=main, to_warehouse=main, quantity=1
        )
    assert "to_warehouse" in caught.value.message_dict
    with pytest.raises(InsufficientStock):
        stock_transfer(
            product=product, from_warehouse=main, to_warehouse=east, quantity=2
        )
    assert not StockItem.objects.filter(product=product, warehouse=east, on_hand__gt=0)
    assert _item(product, main).on_hand == 5


def test_stock_receive_refuses_an_inactive_warehouse(product):
    closed = WarehouseFactory(code="OLD", is_active=False)
    with pytest.raises(ValidationError):
        stock_receive(product=product, warehouse=closed, quantity=1)


def test_stock_reserve_lines_is_all_or_nothing_and_lists_every_short_line(main, east):
    laptop = stocked(ProductFactory(sku="A"), main, 5)
    mouse = stocked(ProductFactory(sku="B"), main, 1)
    cable = ProductFactory(sku="C")  # no stock at all
    lines = [
        StockLine(laptop, main, 2),
        StockLine(mouse, main, 2),
        StockLine(cable, east, 1),
    ]
    with pytest.raises(InsufficientStock) as caught:
        stock_reserve_lines(lines=lines, reference="SO-9")
    assert [s.product.sku for s in caught.value.shortages] == ["B", "C"]
    assert len(caught.value.messages) == 2
    assert not StockMovement.objects.filter(kind="reservation").exists()
    assert StockItem.objects.filter(reserved__gt=0).count() == 0

    movements = stock_reserve_lines(lines=lines[:1], reference="SO-9")
    assert [m.reserved_after for m in movements] == [2]


def test_stock_reserve_lines_adds_up_repeated_lines_of_one_product(product, main):
    stocked(product, main, 3)
    with pytest.raises(InsufficientStock):
        stock_reserve_lines(
            lines=[StockLine(product, main, 2), StockLine(product, main, 2)]
        )
    movements = stock_reserve_lines(
        lines=[StockLine(product, main, 2), StockLine(product, main, 1)]
    )
    assert [m.reserved_after for m in movements] == [2, 3]
    assert _item(product, main).reserved == 3
    assert_ledger_matches(product)


def test_ship_and_release_lines(product, main, east):
    stocked(product, main, 4)
    stocked(product, east, 4)
    lines = [StockLine(product, main, 2), StockLine(product, east, 3)]
    stock_reserve_lines(lines=lines)
    stock_ship_lines(lines=[StockLine(product, main, 2)])
    stock_release_lines(lines=[StockLine(product, east, 3)])
    assert (_item(product, main).on_hand, _item(product, main).reserved) == (2, 0)
    assert (_item(product, east).on_hand, _item(product, east).reserved) == (4, 0)
    assert_ledger_matches(product)


def test_moves_record_a_generic_source(product, main):
    source = ManagerFactory()  # any model instance stands for an order here
    movement = stock_receive(product=product, warehouse=main, quantity=1, source=source)
    movement.refresh_from_db()
    assert movement.source == source


def test_reference_longer_than_the_field_is_refused(product, main):
    with pytest.raises(ValidationError):
        stock_receive(product=product, warehouse=main, quantity=1, reference="x" * 101)
