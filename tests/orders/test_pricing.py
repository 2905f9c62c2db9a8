from decimal import Decimal

import pytest

from orders.pricing import line_amounts, order_amounts
from orders.services import LineInput
from tests.orders.factories import draft_order, priced_product

D = Decimal


def test_awkward_line_rounds_half_up_at_each_step():
    # 3 x 0.335 = 1.005 -> 1.01; 12.5 % of 1.01 = 0.12625 -> 0.13; net 0.88;
    # 7.5 % tax of 0.88 = 0.066 -> 0.07.
    amounts = line_amounts(
        quantity=3,
        unit_price=D("0.335"),
        discount_percent=D("12.5"),
        tax_rate=D("7.5"),
    )
    assert (amounts.gross, amounts.discount, amounts.net, amounts.tax) == (
        D("1.01"),
        D("0.13"),
        D("0.88"),
        D("0.07"),
    )
    assert amounts.total == D("0.95")


def test_order_discount_is_spread_over_lines_before_tax():
    amounts = line_amounts(
        quantity=1,
        unit_price=D("10.00"),
        discount_percent=D("10"),
        tax_rate=D("20"),
        order_discount_percent=D("5"),
    )
    # 10.00 - 1.00 = 9.00; 5 % of 9.00 = 0.45; net 8.55; tax 1.71.
    assert (amounts.discount, amounts.net, amounts.tax) == (
        D("1.45"),
        D("8.55"),
        D("1.71"),
    )


def test_order_total_adds_untaxed_shipping():
    lines = [
        line_amounts(quantity=2, unit_price=D("19.99"), tax_rate=D("20")),
        line_amounts(quantity=1, unit_price=D("0.01"), tax_rate=D("7.5")),
    ]
    totals = order_amounts(lines=lines, shipping=D("4.95"))
    assert totals.subtotal == D("39.99")
    assert totals.tax == D("8.00")  # 7.996 -> 8.00 and 0.00075 -> 0.00
    assert totals.total == D("52.94")


def test_money_never_goes_through_float():
    with pytest.raises(TypeError):
        order_amounts(lines=[], shipping=0.1)


@pytest.mark.django_db
def test_service_stores_the_same_amounts_on_order_and_lines():
    product = priced_product("0.30", tax="7.5")
    order = draft_order(
        lines=[LineInput(product, 3, D("0.335"), discount_percent=D("12.5"))],
        shipping_charge=D("2.50"),
    )
    line = order.lines.get()
    assert (line.unit_price, line.net_amount, line.tax_amount) == (
        D("0.3350"),  # unit prices keep fractions of a cent; amounts do not
        D("0.88"),
        D("0.07"),
    )
    order.refresh_from_db()
    assert (order.subtotal, order.discount_total, order.tax_total) == (
        D("1.01"),
        D("0.13"),
        D("0.07"),
    )
    assert order.total == order.net_total + order.tax_total + D("2.50")
