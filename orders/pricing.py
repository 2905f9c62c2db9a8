"""How an order's amounts are computed. Pure functions on Decimals, no database.

Per line, each amount rounded half-up to cents as it is computed:

    gross     = quantity x unit price
    line disc = gross x line discount %
    order disc= (gross - line disc) x order discount %   (the order discount, spread
                                                          over the lines)
    net       = gross - line disc - order disc           (revenue: net of discounts,
                                                          before tax)
    tax       = net x tax rate %                         (the product's rate)

Per order: subtotal = sum of gross, discount = sum of both discounts, net = sum of
net, tax = sum of tax, total = net + tax + shipping charge (shipping is not taxed).
static/orders/order_form.js repeats these rules for the live totals on the form;
the server always recomputes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sms.money import ZERO, money

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class OrderAmounts:
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    shipping: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.tax + self.shipping


def line_amounts(
    *,
    quantity: int,
    unit_price: Decimal,
    discount_percent: Decimal = ZERO,
    tax_rate: Decimal = ZERO,
    order_discount_percent: Decimal = ZERO,
) -> LineAmounts:
    gross = money(Decimal(quantity) * unit_price)
    line_discount = money(gross * discount_percent / HUNDRED)
    order_discount = money((gross - line_discount) * order_discount_percent / HUNDRED)
    net = gross - line_discount - order_discount
    tax = money(net * tax_rate / HUNDRED)
    return LineAmounts(
        gross=gross, discount=line_discount + order_discount, net=net, tax=tax
    )


def order_amounts(*, lines: Iterable[LineAmounts], shipping: Decimal) -> OrderAmounts:
    lines = list(lines)
    return OrderAmounts(
        subtotal=sum((line.gross for line in lines), ZERO),
        discount=sum((line.discount for line in lines), ZERO),
        net=sum((line.net for line in lines), ZERO),
        tax=sum((line.tax for line in lines), ZERO),
        shipping=money(shipping),
    )
