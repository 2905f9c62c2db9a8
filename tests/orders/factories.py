"""Orders for tests, made through orders.services exactly as the pages make them."""

from decimal import Decimal

from orders.services import LineInput, order_create
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory


def draft_order(
    *,
    customer=None,
    warehouse=None,
    lines=None,
    user=None,
    stock: int | None = None,
    **fields,
):
    """A draft order. ``lines``: (product, quantity) or LineInput items; by default
    one line of 2 x a new 100.00 product at 20 % tax. ``stock`` puts that many units
    of every line's product on hand in the warehouse first."""
    customer = customer or CustomerFactory()
    warehouse = warehouse or WarehouseFactory(code="MAIN")
    if lines is None:
        lines = [(ProductFactory(), 2)]
    inputs = [
        line if isinstance(line, LineInput) else LineInput(line[0], line[1])
        for line in lines
    ]
    if stock is not None:
        for product in {line.product for line in inputs}:
            stocked(product, warehouse, stock)
    return order_create(
        customer=customer,
        warehouse=warehouse,
        lines=inputs,
        created_by=user or customer.owner,
        **fields,
    )


def priced_product(price: str, tax: str = "20.00", **kwargs):
    return ProductFactory(
        list_price=Decimal(price), tax_rate=Decimal(tax), cost=Decimal("0.00"), **kwargs
    )
