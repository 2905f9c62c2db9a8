"""Badges for quotes and their e-mails."""

from django import template

from opportunities.models import Quote, QuoteEmail

register = template.Library()

QUOTE_BADGES = {
    Quote.Status.DRAFT: "text-bg-secondary",
    Quote.Status.SENT: "text-bg-primary",
    Quote.Status.ACCEPTED: "text-bg-success",
    Quote.Status.REJECTED: "text-bg-danger",
    Quote.Status.EXPIRED: "text-bg-warning",
}

QUOTE_EMAIL_BADGES = {
    QuoteEmail.Status.PENDING: "text-bg-secondary",
    QuoteEmail.Status.SENDING: "text-bg-info",
    QuoteEmail.Status.SENT: "text-bg-success",
    QuoteEmail.Status.FAILED: "text-bg-danger",
}


@register.filter
def quote_status_class(quote) -> str:
    return QUOTE_BADGES.get(quote.status, "text-bg-light")


@register.filter
def quote_email_class(email) -> str:
    return QUOTE_EMAIL_BADGES.get(email.status, "text-bg-light")
