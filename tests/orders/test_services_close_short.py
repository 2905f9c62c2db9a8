"""Closing a partially shipped order short: the rest is cancelled, its stock released
and the order repriced to what has shipped (orders.services.order_close_short)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from inventory.models import StockItem, StockMovement
from orders import services
from orders.models import Order, OrderLine, PaymentStatus, ShipmentLine
from orders.services import LineInput
from tests.analytics.report_checks import custom
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.orders.factories import draft_order, priced_product

pytestmark = pytest.mark.django_db
S = Order.Status
D = Decimal


def _stock(product, warehouse):
    item = StockItem.objects.get(product=product, warehouse=warehouse)
    return item.on_hand, item.reserved


@pytest.fixture
def shipped_part():
    """Three lines, an order discount, tax and shipping; some units shipped."""
    warehouse = WarehouseFactory(code="MAIN")
    desk = priced_product("10.00", tax="20.00", sku="DESK")
    screw = priced_product("3.35", tax="7.50", sku="SCREW")
    lamp = priced_product("5.00", tax="20.00", sku="LAMP")
    order = draft_order(
        warehouse=warehouse,
        lines=[
            LineInput(desk, 5, discount_percent=D("10")),
            LineInput(screw, 3),
            LineInput(lamp, 2),
        ],
        stock=10,
        discount_percent=D("5"),
        shipping_charge=D("4.00"),
    )
    services.order_confirm(order=order, user=None)
    line_desk, line_screw, _line_lamp = order.lines.order_by("pk")
    shipment = services.order_ship(
        order=order, user=None, quantities={line_desk.pk: 2, line_screw.pk: 3}
    )
    order.refresh_from_db()
    return order, shipment, warehouse, (desk, screw, lamp)


def test_close_short_releases_only_what_is_still_reserved(shipped_part):
    order, _shipment, warehouse, (desk, screw, lamp) = shipped_part
    assert _stock(desk, warehouse) == (8, 3)
    assert _stock(screw, warehouse) == (7, 0)
    assert _stock(lamp, warehouse) == (10, 2)

    services.order_close_short(order=order, user=None)

    assert _stock(desk, warehouse) == (8, 0)
    assert _stock(screw, warehouse) == (7, 0)
    assert _stock(lamp, warehouse) == (10, 0)
    releases = StockMovement.objects.filter(kind="release", reference=order.number)
    assert sorted(releases.values_list("product__sku", "quantity")) == [
        ("DESK", 3),
        ("LAMP", 2),
    ]
    # The ledger still adds up to what is on hand and reserved.
    for product in (desk, screw, lamp):
        moved = StockMovement.objects.filter(product=product).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
        assert (moved["on_hand"], moved["reserved"]) == _stock(product, warehouse)


def test_close_short_reprices_lines_in_place_from_their_stored_prices(shipped_part):
    order, shipment, _warehouse, (desk, _screw, _lamp) = shipped_part
    kept = {line.sku: line.pk for line in order.lines.all()}
    # Catalogue changes after the order was placed never reach the order.
    desk.list_price, desk.tax_rate, desk.cost = D("99.00"), D("0.00"), D("50.00")
    desk.save()

    services.order_close_short(order=order, user=None)

    order.refresh_from_db()
    lines = {line.sku: line for line in order.lines.all()}
    assert set(lines) == {"DESK", "SCREW"}  # the lamp had nothing shipped
    assert {sku: line.pk for sku, line in lines.items()} == {
        "DESK": kept["DESK"],
        "SCREW": kept["SCREW"],
    }
    desk_line, screw_line = lines["DESK"], lines["SCREW"]
    # 2 x 10.00 = 20.00; 10 % off 2.00; 5 % of 18.00 off 0.90; net 17.10; tax 3.42
    assert (desk_line.quantity, desk_line.quantity_shipped) == (2, 2)
    assert (
        desk_line.gross_amount,
        desk_line.discount_amount,
        desk_line.net_amount,
        desk_line.tax_amount,
    ) == (D("20.00"), D("2.90"), D("17.10"), D("3.42"))
    assert (desk_line.unit_price, desk_line.tax_rate) == (D("10.0000"), D("20.00"))
    # 3 x 3.35 = 10.05; 5 % off 0.5025 -> 0.50; net 9.55; 7.5 % tax 0.71625 -> 0.72
    assert (
        screw_line.gross_amount,
        screw_line.discount_amount,
        screw_line.net_amount,
        screw_line.tax_amount,
    ) == (D("10.05"), D("0.50"), D("9.55"), D("0.72"))
    assert (
        order.subtotal,
        order.discount_total,
        order.net_total,
        order.tax_total,
        order.shipping_charge,
        order.total,
    ) == (D("30.05"), D("3.40"), D("26.65"), D("4.14"), D("4.00"), D("34.79"))
    # The shipment still points at the same lines, with the same quantities.
    assert sorted(shipment.lines.values_list("order_line_id", "quantity")) == sorted(
        [(kept["DESK"], 2), (kept["SCREW"], 3)]
    )
    assert ShipmentLine.objects.filter(shipment__order=order).count() == 2


def test_close_short_ships_the_order_and_notes_what_was_cancelled(shipped_part):
    order, _shipment, _warehouse, _products = shipped_part
    due_date = order.due_date
    user = order.owner
    services.payment_record(order=order, user=None, amount=D("10.00"))

    services.order_close_short(order=order, user=user, reason="Lamp discontinued")

    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert order.shipped_at is not None
    assert order.due_date == due_date
    assert order.balance_due == D("24.79")
    assert order.payment_status == PaymentStatus.PARTIAL
    last = order.transitions.last()
    assert (last.from_status, last.to_status, last.user) == (
        S.PARTIALLY_SHIPPED,
        S.SHIPPED,
        user,
    )
    assert last.note == (
        "Closed short: 3 x DESK, 2 x LAMP not shipped. Lamp discontinued"
    )
    # A closed order goes on like any shipped one.
    services.order_deliver(order=order, user=None)


def test_close_short_caps_a_long_note_to_the_field():
    order = draft_order(lines=[(priced_product("1.00", sku="LONG"), 3)], stock=3)
    services.order_confirm(order=order, user=None)
    line = order.lines.get()
    services.order_ship(order=order, user=None, quantities={line.pk: 1})

    services.order_close_short(order=order, user=None, reason="x" * 500)

    note = order.transitions.last().note
    assert note.startswith("Closed short: 2 x LONG not shipped. xxx")
    assert len(note) == 200


def _partly_paid_order(paid: str):
    """4 x 10.00, no tax; 1 shipped (so 10.00 after closing short); ``paid`` paid."""
    product = priced_product("10.00", tax="0")
    order = draft_order(lines=[(product, 4)], stock=4)
    services.order_confirm(order=order, user=None)
    line = order.lines.get()
    services.order_ship(order=order, user=None, quantities={line.pk: 1})
    services.payment_record(order=order, user=None, amount=D(paid))
    order.refresh_from_db()
    return order, product


def test_close_short_is_refused_when_more_is_paid_than_the_new_total():
    order, product = _partly_paid_order("20.00")
    transitions = order.transitions.count()

    with pytest.raises(ValidationError, match=r"10\.00 is below the 20\.00 already"):
        services.order_close_short(order=order, user=None)

    order.refresh_from_db()
    line = order.lines.get()
    assert order.status == S.PARTIALLY_SHIPPED
    assert (order.total, order.net_total) == (D("40.00"), D("40.00"))
    assert (line.quantity, line.net_amount) == (4, D("40.00"))
    assert StockItem.objects.get(product=product).reserved == 3
    assert order.transitions.count() == transitions
    assert not StockMovement.objects.filter(kind="release").exists()

    services.refund_record(order=order, user=None, amount=D("10.00"))
    services.order_close_short(order=order, user=None)
    order.refresh_from_db()
    assert (order.total, order.amount_paid, order.balance_due) == (
        D("10.00"),
        D("10.00"),
        D("0.00"),
    )
    assert order.payment_status == PaymentStatus.PAID


def test_close_short_when_paid_exactly_the_new_total():
    order, _product = _partly_paid_order("10.00")
    services.order_close_short(order=order, user=None)
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert order.payment_status == PaymentStatus.PAID


def _order_in(status):
    order = draft_order(stock=5)
    if status == S.CANCELLED:
        return services.order_cancel(order=order, user=None)
    if status != S.DRAFT:
        services.order_confirm(order=order, user=None)
    if status in (S.SHIPPED, S.DELIVERED):
        line = order.lines.get()
        services.order_ship(order=order, user=None, quantities={line.pk: 2})
    if status == S.DELIVERED:
        services.order_deliver(order=order, user=None)
    order.refresh_from_db()
    assert order.status == status
    return order


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (S.DRAFT, "Only a partially shipped order can be closed short; this one is"),
        (S.CONFIRMED, "Nothing has shipped on this order yet; cancel it instead."),
        (S.SHIPPED, "Only a partially shipped order"),
        (S.DELIVERED, "Only a partially shipped order"),
        (S.CANCELLED, "Only a partially shipped order"),
    ],
)
def test_close_short_is_only_for_partially_shipped_orders(status, message):
    order = _order_in(status)
    before = (
        order.total,
        list(OrderLine.objects.filter(order=order).values_list("quantity", flat=True)),
        order.transitions.count(),
        StockMovement.objects.count(),
    )
    with pytest.raises(ValidationError, match=message):
        services.order_close_short(order=order, user=None)
    order.refresh_from_db()
    assert order.status == status
    assert before == (
        order.total,
        list(OrderLine.objects.filter(order=order).values_list("quantity", flat=True)),
        order.transitions.count(),
        StockMovement.objects.count(),
    )


def test_revenue_in_the_sales_report_becomes_what_shipped(client, manager):
    customer = CustomerFactory()
    order = draft_order(
        customer=customer,
        lines=[
            LineInput(priced_product("10.00"), 5, discount_percent=D("10")),
            (priced_product("7.00"), 2),
        ],
        stock=10,
        discount_percent=D("5"),
        shipping_charge=D("3.00"),
    )
    services.order_confirm(order=order, user=None)
    first = order.lines.order_by("pk").first()
    services.order_ship(order=order, user=None, quantities={first.pk: 2})
    client.force_login(manager)
    today = timezone.localdate()
    url = "/analytics/reports/sales/"
    params = custom(today, today, by="day")

    before = client.get(url, params).context["result"].table.totals
    # 42.75 for the desks (5 x 10.00 less 10 % less 5 %) + 13.30 for the rest
    assert (before["revenue"], before["units"]) == (D("56.05"), 7)

    services.order_close_short(order=order, user=None)
    order.refresh_from_db()

    # The cached figures were dropped: the report reads the shipped net at once.
    after = client.get(url, params).context["result"].table.totals
    assert after["revenue"] == order.net_total == D("17.10")
    assert after["units"] == 2
