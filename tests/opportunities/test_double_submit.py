"""Opportunity, quote and public lead forms posted twice are saved once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities.models import Opportunity, Quote
from tests.customers.factories import CustomerFactory
from tests.opportunities.test_lead_form import URL as LEAD_FORM
from tests.opportunities.test_lead_form import _data as _lead
from tests.opportunities.test_quotes import _lines_post, _opp
from tests.opportunities.test_views import _form
from tests.orders.factories import priced_product
from tests.sms.double_submit import posted_twice
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db


def test_the_new_opportunity_form_posted_twice_makes_one(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="Acme Ltd")
    first, second = posted_twice(
        rep_client,
        reverse("opportunities:opportunity-create"),
        _form(customer=f"Acme Ltd (#{customer.pk})"),
    )
    opp = Opportunity.objects.get()
    assert first.url == opp.get_absolute_url()
    assert second.redirect_chain == [(opp.get_absolute_url(), 302)]


def test_the_new_quote_form_posted_twice_makes_one_quote(rep_client, rep):
    opp = _opp(rep)
    priced_product("100.00", sku="DESK-1")
    valid_until = (timezone.localdate() + timedelta(days=30)).isoformat()
    first, second = posted_twice(
        rep_client,
        reverse("opportunities:quote-create", args=[opp.pk]),
        _lines_post([{"product": "DESK-1", "quantity": "2"}], valid_until=valid_until),
    )
    assert first.status_code == 302
    assert second.redirect_chain == [(first.url, 302)]
    assert Quote.objects.count() == 1


def test_the_public_lead_form_posted_twice_makes_one_lead(client):
    RepFactory()  # someone to assign the lead to
    first, second = posted_twice(client, LEAD_FORM, _lead())
    assert first.status_code == second.status_code == 200
    assert b"lead-form-thanks" in first.content
    assert b"lead-form-thanks" in second.content
    assert Opportunity.objects.count() == 1
