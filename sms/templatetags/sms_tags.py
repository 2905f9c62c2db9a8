from decimal import Decimal

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma

from sms.money import money as money_round
from sms.outbox.models import OutboxMessage

register = template.Library()

OUTBOX_BADGES = {
    OutboxMessage.Status.PENDING: "text-bg-secondary",
    OutboxMessage.Status.SENDING: "text-bg-info",
    OutboxMessage.Status.SENT: "text-bg-success",
    OutboxMessage.Status.FAILED: "text-bg-danger",
    OutboxMessage.Status.SKIPPED: "text-bg-warning",
}


@register.filter
def elided_pages(page_obj):
    """Page numbers around the current page, with ellipses (1 2 … 7 8 9 … 40 41)."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2)


@register.filter
def money(value, currency: str = "") -> str:
    """An amount with thousands separators, two decimals and the currency code."""
    if value in (None, ""):
        return ""
    amount = money_round(Decimal(value))
    return f"{intcomma(f'{amount:.2f}')} {currency or settings.SMS_CURRENCY}"


@register.filter
def minutes(delta) -> int:
    """Whole minutes in a timedelta, rounded up (a lock-out of 14m30s says 15)."""
    return -(-int(delta.total_seconds()) // 60)


@register.filter
def user_name(user, default: str = "system") -> str:
    """A user's full name, else their username; ``default`` when there is no user."""
    if not user:
        return default
    return user.get_full_name() or user.get_username()


@register.filter
def outbox_status_class(message) -> str:
    """The badge colour of an outbox row's status (an order or quote e-mail)."""
    return OUTBOX_BADGES.get(message.status, "text-bg-light")
