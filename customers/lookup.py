"""Picking one customer by typing: the label a look-up list shows, the form field
that reads it back, and the matches the list offers. Used by every form that takes
a customer (orders, opportunities)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from customers.models import Customer
from customers.selectors import customer_scope

_ID_SUFFIX = re.compile(r"\(#(\d+)\)\s*$")


def customer_label(customer: Customer) -> str:
    """How a customer appears in the look-up box; the (#id) makes it exact."""
    city = f", {customer.city}" if customer.city else ""
    return f"{customer.name}{city} (#{customer.pk})"


def customer_lookup(*, user, text: str, limit: int = 20) -> QuerySet[Customer]:
    """The user's active customers whose name contains ``text``, by name."""
    return (
        customer_scope(user=user)
        .filter(is_active=True, name__icontains=text)
        .order_by("name")[:limit]
    )


class CustomerLookupField(forms.CharField):
    """Text that names one customer the user may see: "Name (#id)" as the look-up
    list offers it, or a name (or e-mail) that matches exactly one customer."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if hasattr(value, "pk"):
            return customer_label(value)
        return value

    def clean(self, value):
        text = super().clean(value).strip()
        scope = customer_scope(user=self.user).filter(is_active=True)
        match = _ID_SUFFIX.search(text)
        if match:
            customer = scope.filter(pk=match.group(1)).first()
            if customer is None:
                raise ValidationError("No such customer among yours.")
            return customer
        found = list(
            scope.filter(Q(name__iexact=text) | Q(email__iexact=text))[:2]
        ) or list(scope.filter(name__icontains=text)[:2])
        if not found:
            raise ValidationError(f"No active customer of yours matches “{text}”.")
        if len(found) > 1:
            raise ValidationError(
                f"Several customers match “{text}”; pick one from the list."
            )
        return found[0]
