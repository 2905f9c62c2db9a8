"""What the list tables share: money amounts, the rep who owns a row, badges."""

import django_tables2 as tables
from django.utils.html import format_html

from sms.templatetags.sms_tags import money, user_name


def badge(css: str, text) -> str:
    """A Bootstrap badge of class ``css`` (text-bg-...) saying ``text``."""
    return format_html('<span class="badge {}">{}</span>', css, text)


class MoneyColumn(tables.Column):
    """An amount with two decimals and the thousands separator (sms_tags.money)."""

    def render(self, value):
        return money(value)


class OwnerColumn(tables.Column):
    """A row's ``owner`` by name, sorted by first then last name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("order_by", ("owner__first_name", "owner__last_name"))
        super().__init__(**kwargs)

    def render(self, value):
        return user_name(value)
