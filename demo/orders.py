"""Demo orders: the order history of the demo customers over the past ``months``,
ending today, and a few tens of live orders in the workflow.

The shape is what the analytics pages look for: order numbers and revenue grow by
about a fifth a year (a rising rate, plus customers won during the period, a few
lost; key accounts buy throughout), with a yearly season (November and December
highest, a summer dip) and quiet weekends. A few big buyers place most of the
revenue and many small ones the rest; some customers never order. Popular products
sell more often, quantities suit each product's price, prices are the list price
with an occasional line or order discount, and small orders pay shipping. Orders
ship from the east depot to eastern regions, else from the main warehouse.

History is written in bulk (sms.bulk: COPY on PostgreSQL): orders, lines, every
status change a real lifecycle records (draft, confirmed, shipped, delivered; or
cancelled from draft or confirmed) with plausible times, a shipment per shipped
order (some in two parts) and payments. Amounts are computed by orders.pricing
exactly as orders.services computes them. Historical stock movement is not
modelled: these orders never reserved or shipped stock, so the stock ledger holds
none of them (they are not marked imported either: they stand for orders made in
the application). Orders still on their way are shipped, never confirmed, so no
reservation is missing. Order numbers are taken as a block per year through
sms.numbering, so orders made later continue after them.

Most orders are paid within the customer's payment terms (the due date), some
late, a few in two instalments or only in part; recent orders of slow payers are
still open past their due date, so the overdue list has content.

The most recent orders (up to ``live``, from the last LIVE_DAYS days, of active
customers) go through orders.services instead: created, confirmed (reserving real
stock), partly or fully shipped (moving it), delivered or cancelled, and some paid.
Their quantities are capped at what the warehouse can spare above the reorder
point, so they open no low-stock alerts. Their own timestamps are then moved back
to plausible moments; the stock movements keep the real ones. Their customer
e-mails are marked as not sent (the addresses are made up).

Everything is drawn from the ``rng`` passed in, so the same seed gives the same
data on the same day (dates are relative to today). If any demo customer has an
order, seeding is skipped.
"""

import bisect
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from customers.models import Customer
from demo.customers import DEMO_PREFIX
from demo.draw import Progress, Weighted, cumulative, span_days, uniform_int
from inventory.models import StockItem, Warehouse
from orders.models import (
    Order,
    OrderEmail,
    OrderLine,
    OrderTransition,
    Payment,
    Shipment,
    ShipmentLine,
)
from orders.pricing import line_amounts, order_amounts
from orders.services import (
    ORDER_PREFIX,
    UNIT_PRICE_PLACES,
    LineInput,
    order_cancel,
    order_confirm,
    order_create,
    order_deliver,
    order_ship,
    payment_record,
)
from products.models import Product
from sms.bulk import ids_reserve, rows_insert
from sms.money import ZERO, money
from sms.numbering import number_block

BATCH_SIZE = 5000  # orders per write
LIVE_DAYS = 21
LIVE_ORDERS = 30
Status = Order.Status

# Demand: a daily rate that grows GROWTH a year, times the month's and the weekday's
# factor. New customers over the period add to the growth, lost ones take from it.
GROWTH = 1.15
# The tables below are data, kept compact rather than one item per line.
# fmt: off
SEASON = {
    1: 0.84, 2: 0.88, 3: 1.00, 4: 0.96, 5: 0.94, 6: 0.86,
    7: 0.76, 8: 0.72, 9: 1.00, 10: 1.08, 11: 1.42, 12: 1.54,
}
WEEKDAY = (1.08, 1.15, 1.12, 1.05, 0.94, 0.16, 0.05)
ORDERS_PER_YEAR = {"company": 5.5, "individual": 1.3}  # a typical buyer's, now
NEVER_ORDER = 0.12
NEW_SHARE = 0.3  # customers won during the period
LOST_SHARE = 0.1  # customers who stopped ordering (all inactive ones too)
KEY_ACCOUNT = 2.0  # a buyer this many times the typical one: neither new nor lost

# Order contents.
LINE_COUNTS = {
    "company": {1: 26, 2: 24, 3: 19, 4: 14, 5: 9, 6: 8},
    "individual": {1: 55, 2: 28, 3: 12, 4: 5},
}
# A company's typical quantity by unit price (up to the price, inclusive).
QUANTITY_BANDS = (
    (Decimal("8"), 24), (Decimal("20"), 10), (Decimal("60"), 5),
    (Decimal("150"), 3), (Decimal("700"), 2), (None, 1),
)
LINE_DISCOUNTS = (Decimal("5.00"), Decimal("10.00"), Decimal("15.00"))
ORDER_DISCOUNTS = (Decimal("2.00"), Decimal("3.00"), Decimal("5.00"))
SMALL_ORDER = Decimal("150")
MEDIUM_ORDER = Decimal("500")
SHIPPING = {
    "company": (Decimal("6.90"), Decimal("9.90")),
    "individual": (Decimal("4.90"), Decimal("4.90")),
}
CARRIERS = ("DHL", "DPD", "UPS", "GLS", "Hermes")
# Regions served from the east depot.
EAST = {
    "Berlin", "Brandenburg", "Sachsen", "Sachsen-Anhalt", "Thüringen",
    "Mecklenburg-Vorpommern", "Mazowieckie", "Praha",
}
CANCEL_REASONS = (
    "Customer changed their mind.", "Ordered twice by mistake.",
    "Budget not approved.", "Delivery time too long for the customer.",
    "Replaced by a new order.",
)
DRAFT_NOTES = ("", "", "Waiting for the customer's PO number.", "Quote sent.")

# Payers: how a customer pays (share of customers), and with what.
PAYERS = {"prompt": 64, "late": 28, "slow": 8}
METHODS = {
    "company": (
        (Payment.Method.BANK_TRANSFER, Payment.Method.CARD, Payment.Method.CHEQUE),
        (90, 96, 100),
    ),
    "individual": (
        (Payment.Method.CARD, Payment.Method.BANK_TRANSFER, Payment.Method.CASH),
        (70, 95, 100),
    ),
}
INSTALMENT_ABOVE = Decimal("4000")
CANCELLED_SHARE = 0.045
SPLIT_SHIPMENT_SHARE = 0.06

# Live orders: statuses from newest to oldest, with their shares.
LIVE_STAGES = (
    (Status.DRAFT, 0.2), (Status.CONFIRMED, 0.25), (Status.PARTIALLY_SHIPPED, 0.15),
    (Status.SHIPPED, 0.17), (Status.CANCELLED, 0.08), (Status.DELIVERED, 0.15),
)

# Columns written in bulk, in the order of the row tuples below.
ORDER_FIELDS = (
    "id", "number", "customer_id", "owner_id", "warehouse_id", "order_date",
    "status", "discount_percent", "shipping_charge", "notes", "payment_terms_days",
    "due_date", "subtotal", "discount_total", "net_total", "tax_total", "total",
    "amount_paid", "created_by_id", "created_at", "updated_at", "confirmed_at",
    "shipped_at", "delivered_at", "cancelled_at", "imported",
)
LINE_FIELDS = (
    "id", "order_id", "position", "product_id", "sku", "description", "quantity",
    "unit_price", "discount_percent", "tax_rate", "unit_cost", "gross_amount",
    "discount_amount", "net_amount", "tax_amount", "quantity_shipped",
)
TRANSITION_FIELDS = (
    "order_id", "from_status", "to_status", "user_id", "note", "created_at",
)
SHIPMENT_FIELDS = (
    "id", "order_id", "shipped_on", "carrier", "tracking_number", "created_by_id",
    "created_at",
)
SHIPMENT_LINE_FIELDS = ("shipment_id", "order_line_id", "quantity")
PAYMENT_FIELDS = (
    "order_id", "kind", "amount", "paid_on", "method", "reference", "created_by_id",
    "created_at",
)
# fmt: on


@lru_cache(maxsize=65536)
def _line_amounts(quantity, unit_price, discount, tax_rate, order_discount):
    """orders.pricing.line_amounts, remembered: the same lines recur often."""
    return line_amounts(
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount,
        tax_rate=tax_rate,
        order_discount_percent=order_discount,
    )


_LINE_COUNT = {kind: Weighted(table) for kind, table in LINE_COUNTS.items()}
_PAYER = Weighted(PAYERS)


@dataclass
class _Buyer:
    pk: int
    owner_id: int
    kind: str
    terms: int
    warehouse_id: int
    can_order_now: bool  # active and not merged: services accept new orders
    weight: float = 0.0
    size: float = 1.0
    payer: str = "prompt"
    first: int = 0  # day indexes of the buying window
    last: int = 0


@dataclass
class _Line:
    product: Product
    quantity: int
    discount: Decimal


@dataclass
class _Plan:
    """One order as drawn, before it is written in bulk or through the services."""

    at: datetime
    buyer: _Buyer
    lines: list[_Line] = field(default_factory=list)
    order_discount: Decimal = ZERO
    shipping: Decimal = ZERO


class _Generator:
    def __init__(self, *, rng: random.Random, months: int, today: date):
        self.rng = rng
        self.today = today
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.days = span_days(months)
        self.start = today - timedelta(days=self.days - 1)
        # Demand per day (index 0 = start), and its running total for drawing dates.
        self.demand = []
        for i in range(self.days):
            day = self.start + timedelta(days=i)
            years_back = (today - day).days / 365.25
            self.demand.append(
                GROWTH**-years_back * SEASON[day.month] * WEEKDAY[day.weekday()]
            )
        self.cum_demand = list(cumulative(self.demand))
        # Demand of a year at today's rate: ORDERS_PER_YEAR is meant at that rate.
        self.year_demand = sum(
            GROWTH ** -(i / 365.25)
            * SEASON[(today - timedelta(days=i)).month]
            * WEEKDAY[(today - timedelta(days=i)).weekday()]
            for i in range(365)
        )

    # -- who buys, when -----------------------------------------------------------

    def buyers_profile(self, buyers: list[_Buyer], inactive: set[int]) -> None:
        rng = self.rng
        for buyer in buyers:
            buyer.payer = _PAYER(rng)
            if rng.random() < NEVER_ORDER:
                buyer.weight = 0.0
                continue
            base = rng.lognormvariate(0.0, 0.9)
            buyer.weight = base * ORDERS_PER_YEAR[buyer.kind]
            # Big buyers also buy more per order.
            buyer.size = base**0.35 if buyer.kind == "company" else 1.0
            buyer.first, buyer.last = 0, self.days - 1
            # Key accounts have bought all along; others were won or lost meanwhile.
            roll = rng.random() if base < KEY_ACCOUNT else 1.0
            if roll < NEW_SHARE:
                buyer.first = uniform_int(rng, 0, self.days - 1)
            elif roll < NEW_SHARE + LOST_SHARE:
                buyer.last = uniform_int(rng, min(60, self.days - 1), self.days - 1)
            if buyer.pk in inactive:  # stopped buying a while ago
                buyer.last = min(buyer.last, max(0, self.days - 120))
                buyer.first = min(buyer.first, buyer.last)

    def when(self, buyer: _Buyer) -> list[datetime]:
        """The moments the buyer orders: a Poisson count over the buying window,
        each day drawn in proportion to the demand."""
        rng = self.rng
        low = self.cum_demand[buyer.first - 1] if buyer.first else 0.0
        high = self.cum_demand[buyer.last]
        mean = buyer.weight * (high - low) / self.year_demand
        moments = []
        for _ in range(_poisson(rng, mean)):
            index = bisect.bisect_left(
                self.cum_demand, low + rng.random() * (high - low)
            )
            day = self.start + timedelta(days=min(index, self.days - 1))
            moment = datetime.combine(
                day,
                time(uniform_int(rng, 7, 18), uniform_int(rng, 0, 59)),
                tzinfo=self.tz,
            )
            moments.append(min(moment, self.now - timedelta(minutes=30)))
        return moments

    # -- what they buy ------------------------------------------------------------

    def catalogue(self, products: list[Product]) -> None:
        """Popularity per product: cheap consumables sell more often. (Weights for
        drawing, not money: floats are fine here.)"""
        rng = self.rng
        self.products = products
        weights = [
            rng.lognormvariate(0.0, 0.7) * (100 / max(float(p.list_price), 1)) ** 0.45
            for p in products
        ]
        self.product_cum = list(cumulative(weights))

    def contents(self, plan: _Plan) -> None:
        rng = self.rng
        buyer = plan.buyer
        company = buyer.kind == "company"
        wanted = _LINE_COUNT[buyer.kind](rng)
        chosen: list[Product] = []
        for _ in range(wanted * 3):
            product = rng.choices(self.products, cum_weights=self.product_cum)[0]
            if product not in chosen:
                chosen.append(product)
                if len(chosen) == wanted:
                    break
        for product in chosen:
            typical = typical_quantity(product.list_price)
            if not company:
                typical = max(1, typical // 4)
            quantity = max(1, round(typical * buyer.size * rng.lognormvariate(0, 0.5)))
            discount = ZERO
            chance = (0.06 + 0.04 * min(buyer.size, 3)) if company else 0.03
            if rng.random() < chance:
                discount = rng.choice(LINE_DISCOUNTS if company else LINE_DISCOUNTS[:1])
            plan.lines.append(_Line(product, quantity, discount))
        if company and rng.random() < 0.07:
            plan.order_discount = rng.choice(ORDER_DISCOUNTS)
        net = sum(
            (line.product.list_price * line.quantity for line in plan.lines), ZERO
        )
        small, medium = SHIPPING[buyer.kind]
        if net < SMALL_ORDER:
            plan.shipping = small
        elif net < MEDIUM_ORDER and rng.random() < 0.3:
            plan.shipping = medium

    # -- timing -------------------------------------------------------------------

    def later(self, moment: datetime, *, days: tuple[int, int], hours=(8, 17)):
        """A business-hours moment ``days`` (a range) after ``moment``."""
        rng = self.rng
        day = moment.date() + timedelta(days=uniform_int(rng, *days))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        then = datetime.combine(
            day, time(uniform_int(rng, *hours), uniform_int(rng, 0, 59)), tzinfo=self.tz
        )
        return max(then, moment + timedelta(minutes=uniform_int(rng, 5, 90)))

    def fit(self, start: datetime, moments: list[datetime]) -> list[datetime]:
        """The moments unchanged if they are past, else spread between ``start``
        and now in the same order (a recent order moved along quickly)."""
        limit = self.now - timedelta(minutes=1)
        if not moments or moments[-1] <= limit:
            return moments
        step = (limit - start) / (len(moments) + 1)
        return [start + step * (i + 1) for i in range(len(moments))]


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def typical_quantity(price: Decimal) -> int:
    for limit, quantity in QUANTITY_BANDS:
        if limit is None or price <= limit:
            return quantity
    return 1


def _price(product: Product) -> Decimal:
    return Decimal(product.list_price).quantize(UNIT_PRICE_PLACES, ROUND_HALF_UP)


# -- the entry point ------------------------------------------------------------------


def orders_seed(
    *,
    rng: random.Random,
    months: int = 18,
    live: int = LIVE_ORDERS,
    scale: float = 1.0,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Create the demo customers' order history over the past ``months`` and up to
    ``live`` recent orders through the services. ``scale`` multiplies how often
    every buyer orders (a benchmark's data set wants fewer orders per customer).
    Returns how many orders of each status were created: none when a demo customer
    has an order already (or there are no demo customers, products or
    warehouses)."""
    demo = Customer.objects.filter(external_ref__startswith=DEMO_PREFIX)
    if months <= 0 or Order.objects.filter(customer__in=demo).exists():
        return {}
    rows = list(
        demo.order_by("external_ref", "pk").values_list(
            "pk",
            "owner_id",
            "kind",
            "payment_terms_days",
            "region",
            "is_active",
            "merged_into_id",
        )
    )
    products = list(Product.objects.filter(is_active=True).order_by("sku", "pk"))
    warehouses = {w.code: w for w in Warehouse.objects.filter(is_active=True)}
    if not rows or not products or not warehouses:
        return {}
    today = timezone.localdate()
    generator = _Generator(rng=rng, months=months, today=today)
    generator.catalogue(products)
    buyers = _buyers(rows, warehouses)
    generator.buyers_profile(
        buyers, inactive={pk for pk, *_r, active, merged in rows if not active}
    )
    if scale != 1.0:
        for buyer in buyers:
            buyer.weight *= scale
    plans = _plans(generator, buyers)

    since = today - timedelta(days=LIVE_DAYS)
    recent = [
        i
        for i, plan in enumerate(plans)
        if plan.at.date() >= since and plan.buyer.can_order_now
    ]
    live_set = set(rng.sample(recent, k=min(live, len(recent))))
    history = [plan for i, plan in enumerate(plans) if i not in live_set]
    total = len(plans)
    with transaction.atomic():
        writer = _HistoryWriter(generator)
        writer.numbers_take(history)
        for start in range(0, len(history), BATCH_SIZE):
            batch = history[start : start + BATCH_SIZE]
            writer.write(batch)
            if progress:
                progress("orders", len(batch), total)
        live_plans = sorted(
            (plans[i] for i in live_set), key=lambda p: (p.at, p.buyer.pk), reverse=True
        )
        by_pk = {w.pk: w for w in warehouses.values()}
        _live_create(generator, live_plans, warehouses=by_pk)
        if progress and live_plans:
            progress("orders", len(live_plans), total)
    counts = (
        Order.objects.filter(customer__in=demo)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return dict(counts)


def _buyers(rows: list[tuple], warehouses: dict[str, Warehouse]) -> list[_Buyer]:
    """A buyer per customer row; orders ship from the east depot to eastern
    regions, else from the main warehouse."""
    main = warehouses.get("MAIN") or min(warehouses.values(), key=lambda w: w.pk)
    east = warehouses.get("EAST", main)
    return [
        _Buyer(
            pk=pk,
            owner_id=owner_id,
            kind=kind,
            terms=terms,
            warehouse_id=(east if region in EAST else main).pk,
            can_order_now=bool(active and merged is None),
        )
        for pk, owner_id, kind, terms, region, active, merged in rows
    ]


def _plans(generator: _Generator, buyers: list[_Buyer]) -> list[_Plan]:
    """Every order the buyers place, in date order, with its contents."""
    plans = [
        _Plan(at=moment, buyer=buyer)
        for buyer in buyers
        if buyer.weight > 0
        for moment in generator.when(buyer)
    ]
    plans.sort(key=lambda p: (p.at, p.buyer.pk))
    for plan in plans:
        generator.contents(plan)
    return plans


# -- history, in bulk -----------------------------------------------------------------


class _HistoryWriter:
    def __init__(self, generator: _Generator):
        self.g = generator
        self.rng = generator.rng
        self.numbers: dict[int, list[str]] = {}

    def numbers_take(self, plans: list[_Plan]) -> None:
        """A block of numbers per year, handed out in date order."""
        per_year = Counter(plan.at.date().year for plan in plans)
        for year, count in sorted(per_year.items()):
            taken = set(
                Order.objects.filter(
                    number__startswith=f"{ORDER_PREFIX}-{year}-"
                ).values_list("number", flat=True)
            )
            numbers = number_block(
                prefix=ORDER_PREFIX, year=year, count=count, taken=taken
            )
            self.numbers[year] = numbers[::-1]  # pop() takes the lowest

    def lifecycle(self, plan: _Plan) -> list[tuple[str, str, datetime, str]]:
        """The status changes (from, to, when, note) the services would record."""
        g, rng = self.g, self.rng
        created = plan.at
        events = [("", Status.DRAFT, created, "")]
        if rng.random() < CANCELLED_SHARE:
            if rng.random() < 0.6:
                events.append(
                    (Status.DRAFT, Status.CONFIRMED, g.later(created, days=(0, 1)), "")
                )
            cancelled = g.later(events[-1][2], days=(0, 4))
            reason = rng.choice(CANCEL_REASONS)
            events.append((events[-1][1], Status.CANCELLED, cancelled, reason))
        else:
            wait = (0, 1) if rng.random() < 0.15 else (0, 0)
            confirmed = g.later(created, days=wait)
            events.append((Status.DRAFT, Status.CONFIRMED, confirmed, ""))
            if len(plan.lines) > 1 and rng.random() < SPLIT_SHIPMENT_SHARE:
                part = g.later(confirmed, days=(1, 2))
                rest = g.later(part, days=(2, 8))
                events.append((Status.CONFIRMED, Status.PARTIALLY_SHIPPED, part, ""))
                events.append((Status.PARTIALLY_SHIPPED, Status.SHIPPED, rest, ""))
            else:
                shipped = g.later(confirmed, days=(0, 3))
                events.append((Status.CONFIRMED, Status.SHIPPED, shipped, ""))
            delivered = g.later(events[-1][2], days=(1, 4))
            if delivered < g.now:  # else it is still on its way
                events.append((Status.SHIPPED, Status.DELIVERED, delivered, ""))
        # A recent order moved along quickly: nothing is dated in the future.
        moments = g.fit(created, [moment for _f, _t, moment, _n in events[1:]])
        return [events[0]] + [
            (from_, to, moment, note)
            for (from_, to, _old, note), moment in zip(events[1:], moments, strict=True)
        ]

    def write(self, plans: list[_Plan]) -> None:
        rng = self.rng
        order_ids = ids_reserve(Order, len(plans))
        line_ids = iter(ids_reserve(OrderLine, sum(len(p.lines) for p in plans)))
        orders, lines, transitions = [], [], []
        shipments, shipment_parts, payments = [], [], []
        for plan, order_id in zip(plans, order_ids, strict=True):
            buyer = plan.buyer
            owner = buyer.owner_id
            order_date = plan.at.date()
            number = self.numbers[order_date.year].pop()
            amounts, line_rows = _line_rows(plan, order_id, line_ids)
            totals = order_amounts(lines=amounts, shipping=plan.shipping)

            events = self.lifecycle(plan)
            transitions.extend(
                (order_id, from_, to, owner, note, moment)
                for from_, to, moment, note in events
            )
            times = {to: moment for _f, to, moment, _n in events}
            status = events[-1][1]
            due, paid, last = None, ZERO, events[-1][2]
            if status != Status.CANCELLED:
                for row in line_rows:
                    row[-1] = row[6]  # quantity_shipped: every unit has gone
                for moment, part in _shipment_parts(times, line_rows):
                    shipments.append(
                        [
                            None,
                            order_id,
                            moment.date(),
                            rng.choice(CARRIERS),
                            str(uniform_int(rng, 10**11, 10**12 - 1)),
                            owner,
                            moment,
                        ]
                    )
                    shipment_parts.append(part)
                due = order_date + timedelta(days=buyer.terms)
                before = len(payments)
                paid = self.payments(
                    payments,
                    order_id,
                    number,
                    plan,
                    due,
                    totals.total,
                    after=times[Status.CONFIRMED],
                )
                last = max([last, *(row[-1] for row in payments[before:])])
            lines.extend(line_rows)
            orders.append(
                (
                    order_id,
                    number,
                    buyer.pk,
                    owner,
                    buyer.warehouse_id,
                    order_date,
                    status,
                    plan.order_discount,
                    totals.shipping,
                    "",
                    buyer.terms,
                    due,
                    totals.subtotal,
                    totals.discount,
                    totals.net,
                    totals.tax,
                    totals.total,
                    paid,
                    owner,
                    plan.at,
                    last,
                    times.get(Status.CONFIRMED),
                    times.get(Status.SHIPPED),
                    times.get(Status.DELIVERED),
                    times.get(Status.CANCELLED),
                    False,
                )
            )
        for row, pk in zip(
            shipments, ids_reserve(Shipment, len(shipments)), strict=True
        ):
            row[0] = pk
        rows_insert(Order, ORDER_FIELDS, orders)
        rows_insert(OrderLine, LINE_FIELDS, lines)
        rows_insert(OrderTransition, TRANSITION_FIELDS, transitions)
        rows_insert(Shipment, SHIPMENT_FIELDS, shipments)
        rows_insert(
            ShipmentLine,
            SHIPMENT_LINE_FIELDS,
            (
                (shipment[0], line[0], line[6])
                for shipment, part in zip(shipments, shipment_parts, strict=True)
                for line in part
            ),
        )
        rows_insert(Payment, PAYMENT_FIELDS, payments)

    def payments(
        self,
        payments: list,
        order_id: int,
        number: str,
        plan: _Plan,
        due: date,
        total: Decimal,
        *,
        after: datetime,
    ) -> Decimal:
        """Append the order's payments (those dated up to today, none before it was
        confirmed at ``after``); returns the sum."""
        g, rng = self.g, self.rng
        buyer = plan.buyer
        order_date = plan.at.date()
        if buyer.payer == "prompt":
            day = order_date + timedelta(days=round(buyer.terms * rng.uniform(0.2, 1)))
            if rng.random() < 0.08:
                day = due + timedelta(days=uniform_int(rng, 1, 12))
        elif buyer.payer == "late":
            day = due + timedelta(days=uniform_int(rng, -5, 40))
        else:
            # Slow payers: recent orders often still open, old ones mostly settled.
            age = (g.today - order_date).days
            if rng.random() < (0.35 if age < 150 else 0.03):
                return ZERO
            day = due + timedelta(days=uniform_int(rng, 15, 110))
        day = max(day, after.date())
        roll = rng.random()
        if total > INSTALMENT_ABOVE and roll < 0.3:
            first = money(total / 2)
            shares = [(day, first), (day + timedelta(days=30), total - first)]
        elif roll < 0.05:
            part = money(total * Decimal(uniform_int(rng, 30, 70)) / 100)
            shares = [(day, part)]
            if buyer.payer != "slow":
                shares.append(
                    (day + timedelta(days=uniform_int(rng, 20, 60)), total - part)
                )
        else:
            shares = [(day, total)]
        paid = ZERO
        methods = METHODS[buyer.kind]
        for paid_on, amount in shares:
            if paid_on > g.today or amount <= 0:
                break
            method = rng.choices(methods[0], cum_weights=methods[1])[0]
            reference = ""
            if method == Payment.Method.BANK_TRANSFER:
                reference = number
            elif method == Payment.Method.CHEQUE:
                reference = f"CHQ {uniform_int(rng, 100000, 999998)}"
            moment = datetime.combine(
                paid_on,
                time(uniform_int(rng, 8, 17), uniform_int(rng, 0, 59)),
                tzinfo=g.tz,
            )
            payments.append(
                (
                    order_id,
                    Payment.Kind.PAYMENT,
                    amount,
                    paid_on,
                    method,
                    reference,
                    buyer.owner_id,
                    min(max(moment, after + timedelta(minutes=10)), g.now),
                )
            )
            paid += amount
        return paid


def _line_rows(plan: _Plan, order_id: int, line_ids) -> tuple[list, list[list]]:
    """The order's line amounts and its OrderLine rows (LINE_FIELDS; nothing
    shipped yet)."""
    amounts, rows = [], []
    for position, line in enumerate(plan.lines, start=1):
        product = line.product
        price = _price(product)
        amount = _line_amounts(
            line.quantity, price, line.discount, product.tax_rate, plan.order_discount
        )
        amounts.append(amount)
        rows.append(
            [
                next(line_ids),
                order_id,
                position,
                product.pk,
                product.sku,
                product.name,
                line.quantity,
                price,
                line.discount,
                product.tax_rate,
                product.cost,
                amount.gross,
                amount.discount,
                amount.net,
                amount.tax,
                0,
            ]
        )
    return amounts, rows


def _shipment_parts(times: dict, line_rows: list) -> list[tuple[datetime, list]]:
    """(when, the line rows shipped): the first half of the lines first when the
    order was partly shipped, else everything at once."""
    if Status.PARTIALLY_SHIPPED not in times:
        return [(times[Status.SHIPPED], line_rows)]
    half = len(line_rows) // 2
    return [
        (times[Status.PARTIALLY_SHIPPED], line_rows[:half]),
        (times[Status.SHIPPED], line_rows[half:]),
    ]


# -- live orders, through the services ------------------------------------------------


def _live_statuses(count: int) -> list[str]:
    """Statuses for ``count`` orders from newest to oldest: the stages in order,
    each at least once when there are enough orders."""
    counts = [max(1, round(share * count)) for _status, share in LIVE_STAGES]
    while sum(counts) > count and max(counts) > 1:
        counts[counts.index(max(counts))] -= 1
    while sum(counts) < count:  # rounding down left some over
        counts[counts.index(min(counts))] += 1
    statuses = []
    for (status, _share), n in zip(LIVE_STAGES, counts, strict=True):
        statuses += [status] * n
    return statuses[:count]


def _live_create(g: _Generator, plans: list[_Plan], *, warehouses: dict) -> None:
    if not plans:
        return
    users = get_user_model().objects.in_bulk({p.buyer.owner_id for p in plans})
    customers = Customer.objects.in_bulk({p.buyer.pk for p in plans})
    rng = g.rng
    created_orders = []
    for plan, target in zip(plans, _live_statuses(len(plans)), strict=True):
        buyer = plan.buyer
        user = users[buyer.owner_id]
        warehouse = warehouses[buyer.warehouse_id]
        lines = plan.lines
        if target != Status.DRAFT:
            lines = _lines_in_stock(lines, warehouse)
            if not lines:
                lines, target = plan.lines, Status.DRAFT
        order = order_create(
            customer=customers[buyer.pk],
            warehouse=warehouse,
            lines=[
                LineInput(line.product, line.quantity, None, line.discount)
                for line in lines
            ],
            created_by=user,
            order_date=plan.at.date(),
            discount_percent=plan.order_discount,
            shipping_charge=plan.shipping,
            notes=rng.choice(DRAFT_NOTES) if target == Status.DRAFT else "",
        )
        events = [plan.at]
        shipments = []
        if target != Status.DRAFT:
            order = order_confirm(order=order, user=user)
            events.append(g.later(plan.at, days=(0, 1)))
        if target == Status.CANCELLED:
            order_cancel(order=order, user=user, reason=rng.choice(CANCEL_REASONS))
            events.append(g.later(events[-1], days=(1, 3)))
        if target in (Status.PARTIALLY_SHIPPED, Status.SHIPPED, Status.DELIVERED):
            order_lines = list(order.lines.order_by("position"))
            units = sum(line.quantity for line in order_lines)
            first = {line.pk: line.quantity for line in order_lines}
            if target == Status.PARTIALLY_SHIPPED and units > 1:
                if len(order_lines) > 1:
                    first = {line.pk: line.quantity for line in order_lines[:-1]}
                else:
                    line = order_lines[0]
                    first = {line.pk: line.quantity // 2}
            when = g.later(events[-1], days=(1, 3))
            shipments.append(
                order_ship(
                    order=order,
                    user=user,
                    quantities=first,
                    shipped_on=min(when.date(), g.today),
                    carrier=rng.choice(CARRIERS),
                    tracking_number=f"{rng.randrange(10**11, 10**12)}",
                )
            )
            events.append(when)
            order.refresh_from_db()
            if order.status == Status.SHIPPED and target == Status.DELIVERED:
                order_deliver(order=order, user=user)
                events.append(g.later(when, days=(1, 3)))
        moments = [events[0], *g.fit(events[0], events[1:])]
        order.refresh_from_db()
        _live_backdate(order, moments, shipments)
        if order.status in Order.BILLABLE and order.status != Status.CONFIRMED:
            _live_pay(g, order, user, buyer, after=moments[1])
        created_orders.append(order.pk)
    # Demo customers have made-up addresses: their e-mails are kept, not sent.
    OrderEmail.objects.filter(order_id__in=created_orders).update(
        status=OrderEmail.Status.SKIPPED, last_error="Demo data: not sent."
    )


def _lines_in_stock(lines: list[_Line], warehouse: Warehouse) -> list[_Line]:
    """The lines with quantities the warehouse can spare: what is available beyond
    the product's reorder point (so the demo opens no new low-stock alerts)."""
    available = {
        item.product_id: item.on_hand - item.reserved
        for item in StockItem.objects.filter(
            warehouse=warehouse, product__in=[line.product for line in lines]
        )
    }
    fitted = []
    for line in lines:
        spare = available.get(line.product.pk, 0) - line.product.reorder_point - 1
        quantity = min(line.quantity, spare // 2)
        if quantity >= 1:
            fitted.append(_Line(line.product, quantity, line.discount))
    return fitted


def _live_backdate(order: Order, moments: list[datetime], shipments) -> None:
    """Move the order's own timestamps back to when it "happened"."""
    transitions = list(order.transitions.order_by("pk"))
    for transition, moment in zip(transitions, moments, strict=False):
        OrderTransition.objects.filter(pk=transition.pk).update(created_at=moment)
    times = {t.to_status: m for t, m in zip(transitions, moments, strict=False)}
    Order.objects.filter(pk=order.pk).update(
        created_at=moments[0],
        confirmed_at=times.get(Status.CONFIRMED),
        shipped_at=times.get(Status.SHIPPED),
        delivered_at=times.get(Status.DELIVERED),
        cancelled_at=times.get(Status.CANCELLED),
    )
    for shipment, moment in zip(shipments, moments[2:], strict=False):
        Shipment.objects.filter(pk=shipment.pk).update(created_at=moment)
        OrderEmail.objects.filter(shipment=shipment).update(created_at=moment)
    if Status.CONFIRMED in times:
        OrderEmail.objects.filter(
            order=order, kind=OrderEmail.Kind.CONFIRMATION
        ).update(created_at=times[Status.CONFIRMED])


def _live_pay(
    g: _Generator, order: Order, user, buyer: _Buyer, *, after: datetime
) -> None:
    """Some shipped orders are paid already: in full, or half of it."""
    rng = g.rng
    if buyer.terms and rng.random() < 0.6:
        return  # within its terms, not paid yet
    amount = order.total if rng.random() < 0.8 else money(order.total / 2)
    if amount <= 0:
        return
    bank = buyer.kind == "company"
    day = order.order_date + timedelta(days=rng.randint(0, 3))
    paid_on = min(max(day, after.date()), g.today)
    payment = payment_record(
        order=order,
        user=user,
        amount=amount,
        paid_on=paid_on,
        method=Payment.Method.BANK_TRANSFER if bank else Payment.Method.CARD,
        reference=order.number if bank else "",
    )
    moment = datetime.combine(paid_on, time(rng.randint(8, 17)), tzinfo=g.tz)
    moment = min(max(moment, after + timedelta(minutes=10)), g.now)
    Payment.objects.filter(pk=payment.pk).update(created_at=moment)
