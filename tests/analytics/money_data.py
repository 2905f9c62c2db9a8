"""Data whose figures are awkward to round: prices and discounts that leave fractions
of a cent, sums that come back from SQLite as floats (a whole 305 and a long
15868.9200000000), and opportunities whose weighted amounts end in half a cent, so
that rounding the sum instead of each row lands a cent away.

Thirteen months of orders (November 2025 to November 2026, `PERIOD`) for three
customers of two reps; a product that never sold, with stock (a slow mover); open
opportunities in every open stage, one without an expected close date and one that
nobody owns; won and lost deals in the period."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from customers.models import Customer
from opportunities.models import LostReason, Opportunity, Stage
from orders import services
from orders.services import LineInput
from sms.money import money
from tests.analytics.report_checks import at, deal
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import CategoryFactory, ProductFactory
from tests.sms.factories import AdminFactory, ManagerFactory, RepFactory

D = Decimal
FIRST_MONTH = date(2025, 11, 1)
MONTHS = 13
PERIOD = {"period": "custom", "start": "2025-11-01", "end": "2026-11-30"}
# (amount, probability): amount x probability ends in half a cent (0.505, 3.085,
# 1.005, 6.675, 0.025); 1005.00 is stored by SQLite as the whole number 1005.
WEIGHTED_CASES = [
    (D("1.01"), 50),
    (D("12.34"), 25),
    (D("20.10"), 5),
    (D("26.70"), 25),
    (D("0.05"), 50),
    (D("1005.00"), 15),
    (D("2.70"), 25),
    (D("333.33"), 10),
]


def weighted(amount: Decimal, probability: int) -> Decimal:
    """The rule, by hand: amount x probability, rounded half-up to the cent."""
    return money(amount * probability / 100)


@dataclass
class MoneyData:
    admin: object
    manager: object
    rep1: object
    rep2: object
    customers: list
    open_opportunities: list

    @property
    def weighted_pipeline(self) -> Decimal:
        """Every open opportunity's rounded weighted amount, added up."""
        return sum(
            (weighted(o.amount, o.probability) for o in self.open_opportunities),
            D("0.00"),
        )


def money_dataset() -> MoneyData:
    admin = AdminFactory(username="root")
    manager = ManagerFactory(username="boss")
    rep1 = RepFactory(username="rep_one", first_name="Ann", last_name="Archer")
    rep2 = RepFactory(username="rep_two", first_name="Bob", last_name="Baker")
    hardware = CategoryFactory(name="Hardware")
    printers = CategoryFactory(name="Printers", parent=hardware)
    supplies = CategoryFactory(name="Supplies")
    products = [
        ProductFactory(
            sku="P1",
            list_price=D("12.34"),
            cost=D("7.77"),
            tax_rate=D("19.00"),
            category=printers,
        ),
        ProductFactory(
            sku="P2",
            list_price=D("0.10"),
            cost=D("0.03"),
            tax_rate=D("7.00"),
            category=supplies,
        ),
        ProductFactory(
            sku="P3",
            list_price=D("100.00"),
            cost=D("33.33"),
            tax_rate=D("20.00"),
            category=hardware,
        ),
    ]
    warehouse = WarehouseFactory(code="MAIN")
    for product in products:
        stocked(product, warehouse, 5000)
    never_sold = ProductFactory(
        sku="P4", list_price=D("9.99"), cost=D("3.33"), category=supplies
    )
    stocked(never_sold, warehouse, 7)
    customers = [
        CustomerFactory(
            name="Alpha Ltd",
            owner=rep1,
            region="North",
            source_channel=Customer.Channel.WEBSITE,
        ),
        CustomerFactory(
            name="Beta plc",
            owner=rep2,
            region="South",
            source_channel=Customer.Channel.REFERRAL,
        ),
        CustomerFactory(
            name="Gamma GmbH",
            owner=rep1,
            region="North",
            source_channel=Customer.Channel.REFERRAL,
        ),
    ]
    p1, p2, p3 = products
    for index in range(MONTHS):
        month = FIRST_MONTH + relativedelta(months=index)
        alpha, beta, gamma = customers
        # 3 x 12.34 at 7.5 % off: 34.2435 before rounding; thirty lines of 0.10.
        _order(
            alpha,
            warehouse,
            month.replace(day=3),
            [LineInput(p1, 3 + index % 4, discount_percent=D("7.5")), LineInput(p2, 1)],
        )
        _order(
            beta,
            warehouse,
            month.replace(day=12),
            [LineInput(p3, 1 + index % 3), LineInput(p1, 1, unit_price=D("3.3333"))],
            discount_percent=D("3.3"),
            shipping_charge=D("4.95"),
        )
        if index % 2:
            _order(
                gamma,
                warehouse,
                month.replace(day=20),
                [LineInput(p2, 1) for _ in range(30)] + [LineInput(p3, 2)],
            )
    # Money still owed, past its due date: a part payment on an early order.
    first = customers[1].orders.order_by("order_date").first()
    services.payment_record(
        order=first, user=rep2, amount=D("33.33"), paid_on=date(2025, 12, 1)
    )
    return MoneyData(
        admin=admin,
        manager=manager,
        rep1=rep1,
        rep2=rep2,
        customers=customers,
        open_opportunities=_opportunities(customers, rep1, rep2),
    )


def _order(customer, warehouse, day, lines, **fields):
    order = services.order_create(
        customer=customer,
        warehouse=warehouse,
        lines=lines,
        created_by=customer.owner,
        order_date=day,
        **fields,
    )
    return services.order_confirm(order=order, user=customer.owner)


def _opportunities(customers, rep1, rep2) -> list:
    """Open deals with half-cent weighted amounts (one undated, one nobody owns),
    and deals won and lost in the period."""
    stages = [Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION]
    close = date(2027, 1, 15)
    made = []
    for index, (amount, probability) in enumerate(WEIGHTED_CASES):
        customer = customers[index % 2]
        opportunity = deal(
            history=[(stages[index % 4], at(date(2026, 6, 1 + index)))],
            customer=customer,
            owner=customer.owner,
            title=f"Deal {index}",
            amount=amount,
            probability=probability,
            # Two close months, so the pipeline page has several rows to add up.
            expected_close_date=close + timedelta(days=40 * (index % 2)),
        )
        made.append(opportunity)
    Opportunity.objects.filter(pk=made[0].pk).update(expected_close_date=None)
    Opportunity.objects.filter(pk=made[1].pk).update(owner=None)
    reason, _created = LostReason.objects.get_or_create(name="Price")
    deal(
        history=[
            (Stage.PROPOSAL, at(date(2026, 2, 2))),
            (Stage.WON, at(date(2026, 3, 9))),
        ],
        customer=customers[0],
        owner=rep1,
        amount=D("777.77"),
    )
    deal(
        history=[
            (Stage.QUALIFIED, at(date(2026, 4, 1))),
            (Stage.LOST, at(date(2026, 5, 5))),
        ],
        customer=customers[1],
        owner=rep2,
        amount=D("123.45"),
        lost_reason=reason,
    )
    return list(Opportunity.objects.open().order_by("pk"))
