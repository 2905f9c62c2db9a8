# ruff: noqa: S311 - seeded demo data, not secrets
"""The demo orders: reproducible, shaped for the analytics, consistent with the
pricing rules, the lifecycle, the payments and the stock ledger.

Seeding 300 customers with two years of orders takes seconds, so it is done once
for the module, inside a transaction rolled back at the end; each test runs in a
savepoint of it. Reproducibility holds for any size: it is checked on a few
customers over a few months, before the module's data exist.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from itertools import pairwise
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from customers.models import Customer
from demo.customers import customers_seed
from demo.inventory import inventory_demo_create
from demo.orders import LIVE_DAYS, LIVE_ORDERS, _live_statuses, orders_seed
from demo.products import products_demo_create
from inventory.models import StockItem, StockMovement
from orders.models import Order, OrderLine, OrderTransition, Payment, ShipmentLine
from orders.pricing import line_amounts, order_amounts
from orders.selectors import overdue_list
from orders.services import LineInput, order_create
from products.models import Product
from sms.models import DocumentCounter
from tests.sms.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = 300
MONTHS = 24
SEED = 5


# The reproducibility test's smaller world, with a few orders through the services.
SMALL_CUSTOMERS = 30
SMALL_MONTHS = 6
SMALL_LIVE = 6


@dataclass
class Seeded:
    created: dict


def _snapshot() -> dict:
    """Everything seeded that a seed decides, without ids and clock times."""
    orders = sorted(
        Order.objects.values_list(
            "number",
            "customer__external_ref",
            "status",
            "order_date",
            "due_date",
            "discount_percent",
            "shipping_charge",
            "total",
            "amount_paid",
        )
    )
    lines = sorted(
        OrderLine.objects.values_list(
            "order__number", "position", "sku", "quantity", "unit_price", "net_amount"
        )
    )
    payments = sorted(
        Payment.objects.values_list("order__number", "amount", "paid_on", "method")
    )
    transitions = sorted(
        OrderTransition.objects.values_list("order__number", "from_status", "to_status")
    )
    stock = sorted(
        StockItem.objects.values_list(
            "product__sku", "warehouse__code", "on_hand", "reserved"
        )
    )
    return {
        "orders": orders,
        "lines": lines,
        "payments": payments,
        "transitions": transitions,
        "stock": stock,
        "revenue": sum((o[7] for o in orders), Decimal("0")),
    }


def _orders_seed(seed: int, months: int = MONTHS, live: int = LIVE_ORDERS) -> dict:
    return orders_seed(rng=random.Random(f"orders-{seed}"), months=months, live=live)


def _world_seed(*, customers: int, months: int) -> None:
    """Reps, the catalogue, stock and the demo customers: what orders draw on."""
    reps = [
        RepFactory(username="orders-demo-a"),
        RepFactory(username="orders-demo-b"),
    ]
    products_demo_create(rng=random.Random(1))
    inventory_demo_create(rng=random.Random(1))
    customers_seed(rng=random.Random(SEED), count=customers, owners=reps, months=months)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        _world_seed(customers=CUSTOMERS, months=MONTHS)
        created = _orders_seed(SEED)
        # Check the deferred foreign keys now, once: else every test's teardown
        # checks all of them again inside its savepoint.
        connection.check_constraints()
        yield Seeded(created=created)
        transaction.set_rollback(True)


def _revenue(orders) -> Decimal:
    return orders.aggregate(revenue=Sum("net_total"))["revenue"] or Decimal("0")


# Reproducible, idempotent -----------------------------------------------------------


# First in the module: the tests after these see the module's seeded data.
def test_nothing_to_seed_without_demo_customers():
    products_demo_create(rng=random.Random(1))
    inventory_demo_create(rng=random.Random(1))
    assert _orders_seed(1) == {}
    assert not Order.objects.exists()


def test_the_same_seed_gives_the_same_orders_and_another_seed_others():
    _world_seed(customers=SMALL_CUSTOMERS, months=SMALL_MONTHS)
    snapshots = []
    # One clock for all three seedings: a payment planned for this very hour
    # is recorded by a seeding that runs after it and skipped by one before,
    # so a run crossing the hour compared different payments.
    with mock.patch.object(timezone, "now", return_value=timezone.now()):
        for seed in (SEED, SEED + 1):
            with transaction.atomic():
                _orders_seed(seed, months=SMALL_MONTHS, live=SMALL_LIVE)
                snapshots.append(_snapshot())
                transaction.set_rollback(True)
        _orders_seed(SEED, months=SMALL_MONTHS, live=SMALL_LIVE)
    first, other_seed = snapshots
    kept = _snapshot()
    assert kept["orders"]
    # Some went through the services, reserving stock.
    assert StockMovement.objects.filter(kind="reservation").exists()
    assert first == kept
    assert other_seed["revenue"] != kept["revenue"]
    assert other_seed["orders"] != kept["orders"]


def test_seeding_again_adds_no_orders(seeded, settings):
    counts = (Order.objects.count(), OrderLine.objects.count(), Payment.objects.count())
    movements = StockMovement.objects.count()
    assert _orders_seed(SEED + 2) == {}
    settings.DEBUG = True
    out = StringIO()
    call_command(
        "seed_demo", customers=20, months=MONTHS, stdout=out, stderr=StringIO()
    )
    assert "demo orders already exist" in out.getvalue()
    assert (
        Order.objects.count(),
        OrderLine.objects.count(),
        Payment.objects.count(),
    ) == counts
    assert StockMovement.objects.count() == movements


@pytest.mark.parametrize("count", range(1, 61))
def test_live_orders_get_one_status_each_every_stage_once_there_are_enough(count):
    statuses = _live_statuses(count)
    assert len(statuses) == count
    assert statuses[0] == "draft"
    if count >= len(Order.Status.values):
        assert set(statuses) == set(Order.Status.values)


# The shape the analytics look for ---------------------------------------------------


def test_q4_is_the_peak_and_august_the_dip(seeded):
    """Two years cover every calendar month twice: compare the months' totals."""
    per_month = defaultdict(lambda: [0, Decimal("0")])
    for order_date, net in Order.objects.billable().values_list(
        "order_date", "net_total"
    ):
        per_month[order_date.month][0] += 1
        per_month[order_date.month][1] += net
    assert len(per_month) == 12
    mean_count = sum(n for n, _ in per_month.values()) / 12
    mean_revenue = sum(r for _, r in per_month.values()) / 12
    for month in (11, 12):
        assert per_month[month][0] > mean_count
        assert per_month[month][1] > mean_revenue
    assert per_month[8][0] < mean_count
    assert per_month[8][1] < mean_revenue


def test_the_last_year_sold_more_than_the_year_before(seeded):
    today = timezone.localdate()
    billable = Order.objects.billable()
    last = billable.filter(order_date__gt=today - timedelta(days=365))
    before = billable.filter(
        order_date__lte=today - timedelta(days=365),
        order_date__gt=today - timedelta(days=730),
    )
    assert last.count() > 1.05 * before.count()
    assert _revenue(last) > _revenue(before)


def test_a_few_big_buyers_hold_most_of_the_revenue(seeded):
    per_customer = sorted(
        Order.objects.billable()
        .values("customer")
        .annotate(revenue=Sum("net_total"))
        .values_list("revenue", flat=True),
        reverse=True,
    )
    top = per_customer[: CUSTOMERS // 5]
    assert sum(top) > Decimal("0.6") * sum(per_customer)
    buyers = len(per_customer)
    assert CUSTOMERS * 0.6 < buyers < CUSTOMERS  # some never order


def test_orders_span_the_months_and_end_today(seeded):
    today = timezone.localdate()
    dates = Order.objects.order_by("order_date").values_list("order_date", flat=True)
    assert dates.first() >= today - timedelta(days=MONTHS * 31)
    assert dates.first() <= today - timedelta(days=MONTHS * 30)
    assert dates.last() >= today - timedelta(days=3)
    assert dates.last() <= today


# Statuses, payments, reps -----------------------------------------------------------


def test_every_status_is_there_and_recent_ones_are_few(seeded):
    counts = dict(Order.objects.values_list("status").annotate(n=Count("pk")))
    assert set(counts) == set(Order.Status.values)
    assert counts["delivered"] > 0.8 * sum(counts.values())
    in_flight = counts["draft"] + counts["confirmed"] + counts["partially_shipped"]
    assert in_flight <= LIVE_ORDERS
    since = timezone.localdate() - timedelta(days=LIVE_DAYS)
    assert not Order.objects.filter(
        status__in=["draft", "confirmed", "partially_shipped"], order_date__lt=since
    ).exists()
    assert sum(seeded.created.values()) == Order.objects.count()


def test_overdue_orders_show_on_the_overdue_list(seeded):
    today = timezone.localdate()
    overdue = Order.objects.overdue()
    assert overdue.count() >= 5
    assert overdue.filter(amount_paid__gt=0).exists()  # partly paid
    assert overdue.filter(due_date__lt=today - timedelta(days=60)).exists()
    assert overdue_list(user=ManagerFactory()).count() == overdue.count()


def test_payments_add_up_and_come_mostly_on_time(seeded):
    paid = dict(
        Payment.objects.values("order")
        .annotate(s=Sum("amount"))
        .values_list("order", "s")
    )
    for pk, amount_paid, total in Order.objects.values_list(
        "pk", "amount_paid", "total"
    ):
        assert amount_paid == paid.get(pk, Decimal("0"))
        assert amount_paid <= total
    payments = Payment.objects.all()
    assert not payments.filter(paid_on__lt=F("order__order_date")).exists()
    assert not payments.filter(created_at__gt=timezone.now()).exists()
    assert not payments.exclude(order__status__in=Order.BILLABLE).exists()
    assert set(payments.values_list("kind", flat=True)) == {"payment"}
    on_time = payments.filter(paid_on__lte=F("order__due_date")).count()
    assert 0.5 * payments.count() < on_time < payments.count()  # some late
    billable = Order.objects.billable()
    assert billable.payment_status("paid").count() > 0.8 * billable.count()
    assert billable.payment_status("partial").exists()
    assert billable.payment_status("unpaid").exists()


def test_terms_due_dates_and_reps_come_from_the_customer(seeded):
    orders = Order.objects.all()
    assert not orders.exclude(owner=F("customer__owner")).exists()
    assert not orders.exclude(created_by=F("customer__owner")).exists()
    assert not orders.exclude(
        payment_terms_days=F("customer__payment_terms_days")
    ).exists()
    for order in orders.billable().only("order_date", "due_date", "payment_terms_days"):
        assert order.due_date == order.order_date + timedelta(
            days=order.payment_terms_days
        )
    assert not orders.filter(status__in=["draft", "cancelled"], due_date__isnull=False)
    assert not orders.filter(imported=True).exists()


# Amounts ----------------------------------------------------------------------------


def test_stored_amounts_follow_the_pricing_rules(seeded):
    lines_by_order = defaultdict(list)
    for line in OrderLine.objects.select_related("product"):
        lines_by_order[line.order_id].append(line)
    orders = list(Order.objects.all())
    for order in orders:
        amounts = []
        for line in lines_by_order[order.pk]:
            amount = line_amounts(
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                tax_rate=line.tax_rate,
                order_discount_percent=order.discount_percent,
            )
            assert (
                line.gross_amount,
                line.discount_amount,
                line.net_amount,
                line.tax_amount,
            ) == (amount.gross, amount.discount, amount.net, amount.tax)
            assert line.unit_price == line.product.list_price
            assert line.tax_rate == line.product.tax_rate
            assert (line.sku, line.description) == (line.product.sku, line.product.name)
            amounts.append(amount)
        assert 1 <= len(amounts) <= 6
        totals = order_amounts(lines=amounts, shipping=order.shipping_charge)
        assert (
            order.subtotal,
            order.discount_total,
            order.net_total,
            order.tax_total,
            order.total,
        ) == (totals.subtotal, totals.discount, totals.net, totals.tax, totals.total)
    assert any(o.discount_percent > 0 for o in orders)
    assert any(o.shipping_charge > 0 for o in orders)
    assert OrderLine.objects.filter(discount_percent__gt=0).exists()


def test_quantities_suit_the_price(seeded):
    cheap = OrderLine.objects.filter(unit_price__lt=10).aggregate(q=Sum("quantity"))
    dear = OrderLine.objects.filter(unit_price__gt=500).aggregate(q=Sum("quantity"))
    n_cheap = OrderLine.objects.filter(unit_price__lt=10).count()
    n_dear = OrderLine.objects.filter(unit_price__gt=500).count()
    assert cheap["q"] / n_cheap > 4 * dear["q"] / n_dear
    popular = (
        OrderLine.objects.values("product")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("n", flat=True)
    )
    assert popular[0] > 4 * list(popular)[-1]


# Lifecycle, shipments, stock --------------------------------------------------------


def test_transitions_record_each_step_of_the_lifecycle(seeded):
    chains = defaultdict(list)
    for order_id, from_, to, when in OrderTransition.objects.order_by(
        "order_id", "created_at", "pk"
    ).values_list("order_id", "from_status", "to_status", "created_at"):
        chains[order_id].append((from_, to, when))
    now = timezone.now()
    seen = set()
    for order in Order.objects.all():
        chain = chains[order.pk]
        assert chain[0][:2] == ("", "draft")
        assert chain[0][2] == order.created_at
        for (_f, to, when), (from_, _t, later) in pairwise(chain):
            assert to == from_
            assert when <= later
        assert chain[-1][1] == order.status
        assert chain[-1][2] <= now
        seen.add(tuple(to for _f, to, _w in chain))
        if order.status == "delivered":
            assert order.confirmed_at <= order.shipped_at <= order.delivered_at
    assert ("draft", "confirmed", "shipped", "delivered") in seen
    assert ("draft", "confirmed", "partially_shipped", "shipped", "delivered") in seen
    assert ("draft", "cancelled") in seen
    assert ("draft", "confirmed", "cancelled") in seen


def test_shipped_orders_have_shipments_for_every_unit(seeded):
    shipped = dict(
        ShipmentLine.objects.values("order_line")
        .annotate(q=Sum("quantity"))
        .values_list("order_line", "q")
    )
    for line_id, status, quantity, quantity_shipped in OrderLine.objects.values_list(
        "pk", "order__status", "quantity", "quantity_shipped"
    ):
        assert shipped.get(line_id, 0) == quantity_shipped
        if status in ("shipped", "delivered"):
            assert quantity_shipped == quantity
        elif status in ("draft", "confirmed", "cancelled"):
            assert quantity_shipped == 0


def test_only_the_live_orders_moved_stock_and_the_ledger_holds(seeded):
    moved = set(
        StockMovement.objects.filter(
            kind__in=["reservation", "release", "shipment"]
        ).values_list("reference", flat=True)
    )
    assert 0 < len(moved) <= LIVE_ORDERS
    since = timezone.localdate() - timedelta(days=LIVE_DAYS)
    assert not Order.objects.filter(number__in=moved, order_date__lt=since).exists()
    open_quantities = defaultdict(int)
    for line in OrderLine.objects.filter(
        order__status__in=["confirmed", "partially_shipped"]
    ).select_related("order"):
        key = (line.product_id, line.order.warehouse_id)
        open_quantities[key] += line.quantity - line.quantity_shipped
    reserved = {
        (item.product_id, item.warehouse_id): item.reserved
        for item in StockItem.objects.filter(reserved__gt=0)
    }
    assert reserved == {k: q for k, q in open_quantities.items() if q}
    for item in StockItem.objects.all():
        sums = StockMovement.objects.filter(
            product_id=item.product_id, warehouse_id=item.warehouse_id
        ).aggregate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
        assert item.on_hand == (sums["on_hand"] or 0)
        assert item.reserved == (sums["reserved"] or 0)


# Numbers ----------------------------------------------------------------------------


def test_new_orders_are_numbered_after_the_demo_orders(seeded):
    highest = defaultdict(int)
    for number in Order.objects.values_list("number", flat=True):
        _prefix, year, n = number.split("-")
        highest[int(year)] = max(highest[int(year)], int(n))
    counters = dict(
        DocumentCounter.objects.filter(prefix="SO").values_list("year", "value")
    )
    assert len(highest) >= 2
    for year, n in highest.items():
        assert counters[year] >= n
    customer = Customer.objects.active().filter(external_ref__startswith="DEMO-")[0]
    order = order_create(
        customer=customer,
        warehouse=Order.objects.first().warehouse,
        lines=[LineInput(Product.objects.first(), 1)],
        created_by=customer.owner,
    )
    year = timezone.localdate().year
    assert order.number == f"SO-{year}-{highest[year] + 1:06d}"
