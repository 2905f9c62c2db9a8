from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from orders.tables import PAYMENT_BADGES, STATUS_BADGES

register = template.Library()


@register.filter
def status_class(order) -> str:
    return STATUS_BADGES[order.status]


@register.filter
def payment_class(order) -> str:
    return (
        "text-bg-danger" if order.is_overdue else PAYMENT_BADGES[order.payment_status]
    )


@register.filter
def unit_price(value) -> str:
    """A unit price: two decimals, or up to four when it has fractions of a cent."""
    value = Decimal(value)
    places = 2 if value == value.quantize(Decimal("0.01")) else 4
    text = f"{value:.{places}f}"
    if places == 4:
        text = text.rstrip("0")
    return intcomma(text)
