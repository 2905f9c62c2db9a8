"""Number formats of the printable document pages (invoices, packing slips,
quotes), the same as their PDFs' (sms.documents)."""

from django import template

from sms import documents

register = template.Library()


@register.filter
def amount(value) -> str:
    """An amount with two decimals and thousands separators, without the currency
    (the document states it once)."""
    if value in (None, ""):
        return ""
    return documents.format_amount(value)


@register.filter
def unit_price(value) -> str:
    if value in (None, ""):
        return ""
    return documents.format_unit_price(value)


@register.filter
def percent(value) -> str:
    if value in (None, ""):
        return ""
    return documents.format_percent(value)
