"""Opportunities for tests, made through opportunities.services."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from opportunities.services import opportunity_create
from tests.customers.factories import CustomerFactory


def opportunity(*, customer=None, owner=None, lead: bool = False, **fields):
    """An opportunity on a (new) customer, owned by the customer's owner; ``lead``
    makes a lead with a company name and no customer instead."""
    fields.setdefault("title", "New printers")
    fields.setdefault("amount", Decimal("1000.00"))
    fields.setdefault("expected_close_date", timezone.localdate() + timedelta(days=30))
    if lead:
        fields.setdefault("lead_company", "Lead Co")
        fields.setdefault("lead_contact", "Lee Lead")
        fields.setdefault("lead_email", "lee@lead.example")
    else:
        customer = customer or CustomerFactory(**({"owner": owner} if owner else {}))
        fields["customer"] = customer
        owner = owner or customer.owner
    return opportunity_create(created_by=owner, owner=owner, **fields)
