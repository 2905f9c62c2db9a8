from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.orders.factories import priced_product

HISTORY_HEADER = (
    "order_number,customer,order_date,sku,quantity,unit_price,status,paid,"
    "discount_percent,tax_rate,warehouse\n"
)


@pytest.fixture
def shop(db):
    """What order history refers to: two warehouses, two customers, three products.

    EAST sorts before MAIN, so EAST is the default warehouse of an import.
    """
    main = WarehouseFactory(code="MAIN")
    east = WarehouseFactory(code="EAST")
    alpha = CustomerFactory(
        external_ref="C-1", email="Buyer@Alpha.test", payment_terms_days=30
    )
    beta = CustomerFactory(
        external_ref="C-2", email="orders@beta.test", payment_terms_days=14
    )
    return SimpleNamespace(
        main=main,
        east=east,
        alpha=alpha,
        beta=beta,
        desk=priced_product("100.00", sku="P-1", name="Desk"),
        screw=priced_product("0.10", tax="7.50", sku="P-2", name="Screw"),
        book=priced_product("12.00", tax="5.00", sku="P-3", name="Book"),
        tax=Decimal("20.00"),
    )
