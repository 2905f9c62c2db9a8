"""Badges for quotes."""

from django import template

from opportunities.models import Quote

register = template.Library()

QUOTE_BADGES = {
    Quote.Status.DRAFT: "text-bg-secondary",
    Quote.Status.SENT: "text-bg-primary",
    Quote.Status.ACCEPTED: "text-bg-success",
    Quote.Status.REJECTED: "text-bg-danger",
    Quote.Status.EXPIRED: "text-bg-warning",
}


@register.filter
def quote_status_class(quote) -> str:
    return QUOTE_BADGES.get(quote.status, "text-bg-light")
