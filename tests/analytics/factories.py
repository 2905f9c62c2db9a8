"""Analytics test data: billable orders on given dates, made through orders.services."""

from datetime import date

from orders import services
from tests.orders.factories import draft_order


def billable_order(*, customer=None, order_date: date, quantity: int = 2):
    """A confirmed order (2 x 100.00 net by default) dated ``order_date``."""
    from tests.products.factories import ProductFactory

    order = draft_order(
        customer=customer,
        order_date=order_date,
        lines=[(ProductFactory(), quantity)],
        stock=quantity,
    )
    return services.order_confirm(order=order, user=order.owner)
