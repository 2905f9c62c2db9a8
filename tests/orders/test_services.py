"""The order lifecycle, stock and payments through orders.services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inventory.models import StockItem, StockMovement
from inventory.services import InsufficientStock
from orders import services
from orders.models import Order, OrderTransition, Payment, PaymentStatus
from orders.services import LineInput
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.orders.factories import draft_order, priced_product
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db
S = Order.Status
D = Decimal


def _stock(product, warehouse):
    item = StockItem.objects.get(product=product, warehouse=warehouse)
    return item.on_hand, item.reserved


def _confirmed(**kwargs):
    order = draft_order(stock=10, **kwargs)
    return services.order_confirm(order=order, user=order.owner)


def _ship_all(order):
    quantities = {line.pk: line.quantity_open for line in order.lines.all()}
    return services.order_ship(order=order, user=order.owner, quantities=quantities)


# Drafts -------------------------------------------------------------------------------


def test_create_copies_price_tax_and_name_and_numbers_the_order():
    customer = CustomerFactory(payment_terms_days=14)
    product = priced_product("12.50", tax="7.00", name="Stapler")
    order = draft_order(customer=customer, lines=[(product, 4)])

    line = order.lines.get()
    assert (line.unit_price, line.tax_rate, line.description, line.sku) == (
        D("12.5000"),
        D("7.00"),
        "Stapler",
        product.sku,
    )
    product.list_price = D("99.00")
    product.save()
    line.refresh_from_db()
    assert line.unit_price == D("12.5000")  # the catalogue no longer matters
    year = timezone.localdate().year
    assert order.number == f"SO-{year}-000001"
    assert order.status == S.DRAFT
    assert order.owner == customer.owner
    assert order.payment_terms_days == 14
    assert list(order.transitions.values_list("from_status", "to_status")) == [
        ("", "draft")
    ]


def test_numbers_are_unique_and_skip_numbers_already_taken():
    first = draft_order()
    year = first.order_date.year
    Order.objects.filter(pk=first.pk).update(number=f"SO-{year}-000002")
    second = draft_order()
    assert second.number == f"SO-{year}-000003"


def test_numbers_count_per_year_of_the_order_date():
    old = draft_order(order_date=timezone.localdate().replace(year=2019))
    assert old.number == "SO-2019-000001"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (None, "at least one line"),
        ({"quantity": 0}, "at least 1"),
        ({"quantity": 1, "unit_price": D("-1")}, "cannot be negative"),
        ({"quantity": 1, "discount_percent": D("101")}, "between 0 and 100"),
    ],
)
def test_create_rejects_bad_lines_and_writes_nothing(line, message):
    lines = [] if line is None else [LineInput(ProductFactory(), **line)]
    with pytest.raises(ValidationError, match=message):
        draft_order(lines=lines)
    assert not Order.objects.exists()


def test_inactive_products_and_customers_cannot_be_ordered():
    with pytest.raises(ValidationError, match="inactive"):
        draft_order(lines=[(ProductFactory(is_active=False), 1)])
    with pytest.raises(ValidationError, match="inactive"):
        draft_order(customer=CustomerFactory(is_active=False))
    assert not Order.objects.exists()


def test_update_replaces_lines_and_recomputes():
    order = draft_order()
    other = priced_product("3.00", tax="0")
    services.order_update(
        order=order,
        user=order.owner,
        lines=[LineInput(other, 5)],
        discount_percent=D("10"),
        shipping_charge=D("1.00"),
    )
    order.refresh_from_db()
    assert order.lines.get().product == other
    assert (order.subtotal, order.discount_total, order.total) == (
        D("15.00"),
        D("1.50"),
        D("14.50"),
    )


# The state machine --------------------------------------------------------------------

TRANSITIONS = {
    "confirm": lambda order: services.order_confirm(order=order, user=None),
    "return_to_draft": lambda order: services.order_return_to_draft(
        order=order, user=None
    ),
    "cancel": lambda order: services.order_cancel(order=order, user=None),
    "ship": lambda order: _ship_all(order),
    "deliver": lambda order: services.order_deliver(order=order, user=None),
    "close_short": lambda order: services.order_close_short(order=order, user=None),
}
ALLOWED = {
    S.DRAFT: {"confirm": S.CONFIRMED, "cancel": S.CANCELLED},
    S.CONFIRMED: {
        "return_to_draft": S.DRAFT,
        "cancel": S.CANCELLED,
        "ship": S.SHIPPED,
    },
    S.PARTIALLY_SHIPPED: {"ship": S.SHIPPED, "close_short": S.SHIPPED},
    S.SHIPPED: {"deliver": S.DELIVERED},
    S.DELIVERED: {},
    S.CANCELLED: {},
}


def _order_in(status):
    order = draft_order(lines=[(ProductFactory(), 2)], stock=10)
    if status == S.DRAFT:
        return order
    if status == S.CANCELLED:
        return services.order_cancel(order=order, user=None)
    services.order_confirm(order=order, user=None)
    if status == S.PARTIALLY_SHIPPED:
        line = order.lines.get()
        services.order_ship(order=order, user=None, quantities={line.pk: 1})
    elif status in (S.SHIPPED, S.DELIVERED):
        _ship_all(order)
        if status == S.DELIVERED:
            services.order_deliver(order=order, user=None)
    order.refresh_from_db()
    assert order.status == status
    return order


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_transition_is_allowed_or_refused(status, action):
    order = _order_in(status)
    before = OrderTransition.objects.filter(order=order).count()
    target = ALLOWED[status].get(action)
    if target is None:
        with pytest.raises(ValidationError):
            TRANSITIONS[action](order)
        order.refresh_from_db()
        assert order.status == status
        assert OrderTransition.objects.filter(order=order).count() == before
    else:
        TRANSITIONS[action](order)
        order.refresh_from_db()
        assert order.status == target
        last = order.transitions.last()
        assert (last.from_status, last.to_status) == (status, target)


def test_confirm_reserves_every_line_and_sets_the_due_date():
    warehouse = WarehouseFactory(code="MAIN")
    a, b = ProductFactory(), ProductFactory()
    order = draft_order(warehouse=warehouse, lines=[(a, 3), (b, 1)], stock=5)
    services.order_confirm(order=order, user=order.owner)
    assert _stock(a, warehouse) == (5, 3)
    assert _stock(b, warehouse) == (5, 1)
    order.refresh_from_db()
    assert order.due_date == order.order_date + timedelta(days=30)
    moves = StockMovement.objects.filter(kind="reservation", reference=order.number)
    assert moves.count() == 2


def test_confirm_with_a_short_line_reserves_nothing_and_names_it():
    warehouse = WarehouseFactory(code="MAIN")
    plenty, scarce = ProductFactory(), ProductFactory(name="Rare widget")
    stocked(plenty, warehouse, 10)
    stocked(scarce, warehouse, 2)
    order = draft_order(warehouse=warehouse, lines=[(plenty, 3), (scarce, 5)])

    with pytest.raises(InsufficientStock) as caught:
        services.order_confirm(order=order, user=order.owner)

    assert "Rare widget" in str(caught.value)
    assert "2 available, 5 requested" in str(caught.value)
    assert _stock(plenty, warehouse) == (10, 0)
    assert _stock(scarce, warehouse) == (2, 0)
    order.refresh_from_db()
    assert order.status == S.DRAFT
    assert not order.emails.exists()


def test_partial_shipments_ship_from_the_reservation():
    warehouse = WarehouseFactory(code="MAIN")
    a, b = ProductFactory(), ProductFactory()
    order = draft_order(warehouse=warehouse, lines=[(a, 4), (b, 2)], stock=10)
    services.order_confirm(order=order, user=None)
    line_a, line_b = order.lines.order_by("pk")

    first = services.order_ship(
        order=order,
        user=None,
        quantities={line_a.pk: 3},
        carrier="DHL",
        tracking_number="JD0001",
    )
    order.refresh_from_db()
    assert order.status == S.PARTIALLY_SHIPPED
    assert _stock(a, warehouse) == (7, 1)
    assert _stock(b, warehouse) == (10, 2)
    assert first.lines.get().quantity == 3

    services.order_ship(order=order, user=None, quantities={line_a.pk: 1, line_b.pk: 2})
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert order.shipped_at is not None
    assert _stock(a, warehouse) == (6, 0)
    assert _stock(b, warehouse) == (8, 0)


def test_shipping_more_than_is_open_is_refused():
    order = _confirmed(lines=[(ProductFactory(), 2)])
    line = order.lines.get()
    with pytest.raises(ValidationError, match="only 2 still open"):
        services.order_ship(order=order, user=None, quantities={line.pk: 3})
    with pytest.raises(ValidationError, match="at least one line"):
        services.order_ship(order=order, user=None, quantities={line.pk: 0})
    assert not order.shipments.exists()


def test_cancel_releases_what_is_reserved():
    warehouse = WarehouseFactory(code="MAIN")
    product = ProductFactory()
    order = draft_order(warehouse=warehouse, lines=[(product, 4)], stock=6)
    services.order_confirm(order=order, user=None)
    assert _stock(product, warehouse) == (6, 4)
    services.order_cancel(order=order, user=None, reason="Customer changed mind")
    assert _stock(product, warehouse) == (6, 0)
    assert order.transitions.last().note == "Customer changed mind"


def test_return_to_draft_releases_and_allows_editing():
    warehouse = WarehouseFactory(code="MAIN")
    product = ProductFactory()
    order = draft_order(warehouse=warehouse, lines=[(product, 4)], stock=6)
    services.order_confirm(order=order, user=None)
    with pytest.raises(ValidationError, match="return the order to draft"):
        services.order_update(order=order, user=None, lines=[LineInput(product, 1)])
    services.order_return_to_draft(order=order, user=None)
    assert _stock(product, warehouse) == (6, 0)
    services.order_update(order=order, user=None, lines=[LineInput(product, 6)])
    services.order_confirm(order=order, user=None)
    assert _stock(product, warehouse) == (6, 6)


# Payments -----------------------------------------------------------------------------


def test_payment_status_is_derived_from_payments():
    order = _confirmed(lines=[(priced_product("50.00", tax="0"), 2)])
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.balance_due == D("100.00")
    services.payment_record(order=order, user=None, amount=D("30.00"))
    order.refresh_from_db()
    assert (order.payment_status, order.balance_due) == (
        PaymentStatus.PARTIAL,
        D("70.00"),
    )
    services.payment_record(order=order, user=None, amount=D("70.00"))
    order.refresh_from_db()
    assert (order.payment_status, order.balance_due) == (PaymentStatus.PAID, D("0"))
    services.refund_record(order=order, user=None, amount=D("20.00"))
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (
        PaymentStatus.PARTIAL,
        D("80.00"),
    )
    assert Order.objects.payment_status(PaymentStatus.PARTIAL).get() == order


@pytest.mark.parametrize("amount", ["0", "-5", "100.01", "0.001"])
def test_payments_must_be_positive_cents_within_the_balance(amount):
    order = _confirmed(lines=[(priced_product("50.00", tax="0"), 2)])
    with pytest.raises(ValidationError):
        services.payment_record(order=order, user=None, amount=D(amount))
    assert not Payment.objects.exists()


def test_no_payment_on_a_draft_and_no_refund_beyond_what_was_paid():
    order = draft_order()
    with pytest.raises(ValidationError, match="confirmed orders"):
        services.payment_record(order=order, user=None, amount=D("1.00"))
    services.order_confirm(order=draft_order(stock=5), user=None)
    confirmed = Order.objects.get(status=S.CONFIRMED)
    services.payment_record(order=confirmed, user=None, amount=D("10.00"))
    with pytest.raises(ValidationError, match=r"more than the 10\.00 paid"):
        services.refund_record(order=confirmed, user=None, amount=D("10.01"))


def test_a_paid_order_cannot_be_cancelled_before_a_refund():
    order = _confirmed()
    services.payment_record(order=order, user=None, amount=D("5.00"))
    with pytest.raises(ValidationError, match="refund"):
        services.order_cancel(order=order, user=None)
    services.refund_record(order=order, user=None, amount=D("5.00"))
    services.order_cancel(order=order, user=None)


def test_overdue_means_a_balance_past_the_payment_terms():
    customer = CustomerFactory(payment_terms_days=30)
    old = _confirmed(
        customer=customer, order_date=timezone.localdate() - timedelta(days=31)
    )
    recent = _confirmed(customer=customer)
    paid = _confirmed(
        customer=customer, order_date=timezone.localdate() - timedelta(days=60)
    )
    services.payment_record(order=paid, user=None, amount=paid.total)
    old.refresh_from_db()
    assert list(Order.objects.overdue()) == [old]
    assert old.is_overdue and old.days_overdue == 1
    assert not recent.is_overdue
