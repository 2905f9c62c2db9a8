"""A small, hand-computed sales data set for the dashboard and report tests.

Products: A 100.00 at 20 % tax in Hardware > Printers; B 10.00 at 10 % tax in
Services (a top-level category). Rep 1 owns C1 (North, website); rep 2 owns C2
(South, referral). Amounts are the app's own (orders.services), checked by hand:

    O6  C1  2026-02-27  B x2                         net  20.00  tax  2.00  confirmed
    O1  C1  2026-03-02  A x2 -10 % line, B x3        net 210.00  tax 39.00  confirmed
    O2  C2  2026-03-10  A x1, order -5 %, ship 7.50  net  95.00  tax 19.00  confirmed,
                                                     total 121.50, 50.00 paid
    O3  C1  2026-03-20  B x1                         cancelled (never revenue)
    O4  C1  2026-03-25  B x5                         draft (never revenue)
    O5  C2  2026-04-05  A x1                         net 100.00  tax 20.00  confirmed

March 2026: revenue 305.00 (210 + 95), 2 orders, 6 units (2 + 3 + 1), average
152.50. Rep 1's March: 210.00, 1 order, 5 units.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from customers.models import Customer
from orders import services
from orders.services import LineInput
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import CategoryFactory, ProductFactory
from tests.sms.factories import ManagerFactory, RepFactory

MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


@dataclass
class SalesData:
    manager: object
    rep1: object
    rep2: object
    c1: object
    c2: object
    a: object
    b: object
    hardware: object
    printers: object
    services_category: object
    orders: dict


def sales_dataset() -> SalesData:
    manager = ManagerFactory(username="boss")
    rep1, rep2 = RepFactory(username="rep_one"), RepFactory(username="rep_two")
    hardware = CategoryFactory(name="Hardware")
    printers = CategoryFactory(name="Printers", parent=hardware)
    services_category = CategoryFactory(name="Services")
    a = ProductFactory(
        sku="A",
        name="Printer",
        list_price=Decimal("100.00"),
        cost=Decimal("60.00"),
        tax_rate=Decimal("20.00"),
        category=printers,
    )
    b = ProductFactory(
        sku="B",
        name="Setup",
        list_price=Decimal("10.00"),
        cost=Decimal("4.00"),
        tax_rate=Decimal("10.00"),
        category=services_category,
    )
    warehouse = WarehouseFactory(code="MAIN")
    stocked(a, warehouse, 100)
    stocked(b, warehouse, 100)
    c1 = CustomerFactory(
        name="Alpha Ltd",
        owner=rep1,
        region="North",
        source_channel=Customer.Channel.WEBSITE,
    )
    c2 = CustomerFactory(
        name="Beta plc",
        owner=rep2,
        region="South",
        source_channel=Customer.Channel.REFERRAL,
    )

    def order(customer, day, lines, *, confirm=True, **fields):
        created = services.order_create(
            customer=customer,
            warehouse=warehouse,
            lines=lines,
            created_by=customer.owner,
            order_date=day,
            **fields,
        )
        if confirm:
            created = services.order_confirm(order=created, user=customer.owner)
        return created

    orders = {
        "O6": order(c1, date(2026, 2, 27), [LineInput(b, 2)]),
        "O1": order(
            c1,
            date(2026, 3, 2),
            [LineInput(a, 2, discount_percent=Decimal("10")), LineInput(b, 3)],
        ),
        "O2": order(
            c2,
            date(2026, 3, 10),
            [LineInput(a, 1)],
            discount_percent=Decimal("5"),
            shipping_charge=Decimal("7.50"),
        ),
        "O3": order(c1, date(2026, 3, 20), [LineInput(b, 1)]),
        "O4": order(c1, date(2026, 3, 25), [LineInput(b, 5)], confirm=False),
        "O5": order(c2, date(2026, 4, 5), [LineInput(a, 1)]),
    }
    orders["O3"] = services.order_cancel(order=orders["O3"], user=rep1)
    services.payment_record(
        order=orders["O2"],
        user=rep2,
        amount=Decimal("50.00"),
        paid_on=date(2026, 3, 15),
    )
    for key in orders:
        orders[key].refresh_from_db()
    return SalesData(
        manager, rep1, rep2, c1, c2, a, b, hardware, printers, services_category, orders
    )
