"""Two managers edit the same record: the one who saves second, from a form read
before the first save, is refused with the other's change shown, keeps what they
typed, and can then save deliberately (sms.concurrency), on every edit page."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opportunities import services as opportunity_services
from orders.services import LineInput
from tests.customers.factories import ContactFactory, CustomerFactory
from tests.opportunities.factories import opportunity
from tests.orders.factories import draft_order, priced_product
from tests.products.factories import ProductFactory
from tests.sms.factories import ManagerFactory
from tests.sms.html_forms import post_data

pytestmark = pytest.mark.django_db

STALE = "changed this record since you opened it"


@dataclass
class Case:
    record: object
    url: str
    field: str  # the form field both managers change


def _customer():
    customer = CustomerFactory(notes="")
    url = reverse("customers:customer-update", args=[customer.pk])
    return Case(customer, url, "notes")


def _contact():
    contact = ContactFactory(title="Buyer")
    url = reverse("customers:contact-update", args=[contact.customer_id, contact.pk])
    return Case(contact, url, "title")


def _product():
    product = ProductFactory(name="Desk")
    return Case(product, reverse("products:product-update", args=[product.pk]), "name")


def _opportunity():
    opp = opportunity(next_step="")
    url = reverse("opportunities:opportunity-update", args=[opp.pk])
    return Case(opp, url, "next_step")


def _order():
    order = draft_order(notes="")
    return Case(order, reverse("orders:order-update", args=[order.pk]), "notes")


def _quote():
    opp = opportunity()
    quote = opportunity_services.quote_create(
        opportunity=opp,
        lines=[LineInput(priced_product("10.00"), 3)],
        valid_until=timezone.localdate() + timedelta(days=14),
        created_by=opp.owner,
    )
    return Case(quote, reverse("opportunities:quote-update", args=[quote.pk]), "notes")


CASES = {
    "customer": _customer,
    "contact": _contact,
    "product": _product,
    "opportunity": _opportunity,
    "draft order": _order,
    "quote": _quote,
}


def _manager_client(name: str) -> Client:
    client = Client()
    client.force_login(ManagerFactory(first_name=name, last_name="Manager"))
    return client


def _value(case: Case) -> str:
    case.record.refresh_from_db()
    return getattr(case.record, case.field)


def _open(client: Client, case: Case) -> dict[str, str]:
    response = client.get(case.url)
    assert response.status_code == 200
    return post_data(response.content.decode(), having="version")


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_a_stale_save_is_refused_with_the_other_change_shown_then_saves(make):
    case = make()
    anna, ben = _manager_client("Anna"), _manager_client("Ben")
    anna_form, ben_form = _open(anna, case), _open(ben, case)
    assert anna_form["version"] == ben_form["version"] != ""

    anna_form[case.field] = "Anna's change"
    response = anna.post(case.url, anna_form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _value(case) == "Anna's change"

    ben_form[case.field] = "Ben's change"
    response = ben.post(case.url, ben_form)

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    assert "Anna&#x27;s change (you had Ben&#x27;s change)" in page
    assert "Your changes are not saved" in page
    assert _value(case) == "Anna's change"
    # What Ben typed is still in the form, now carrying the current version.
    again = post_data(page, having="version")
    assert again[case.field] == "Ben's change"
    assert int(again["version"]) == case.record.version

    response = ben.post(case.url, again)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert _value(case) == "Ben's change"


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_saving_twice_from_a_fresh_form_is_not_refused(make):
    case = make()
    anna = _manager_client("Anna")
    for text in ("first", "second"):
        form = _open(anna, case)
        form[case.field] = text
        response = anna.post(case.url, form)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert _value(case) == text


def test_the_customer_message_names_who_changed_it_from_the_history():
    case = _customer()
    anna, ben = _manager_client("Anna"), _manager_client("Ben")
    anna_form, ben_form = _open(anna, case), _open(ben, case)
    anna_form["city"] = "Leeds"
    assert anna.post(case.url, anna_form).status_code == 302

    # Ben changed another field only: Anna's city is what he would overwrite.
    ben_form["notes"] = "Call on Mondays"
    page = ben.post(case.url, ben_form).content.decode()

    assert "Someone else (Anna Manager, " in page
    assert f"City: Leeds (you had {ben_form['city']})" in page
    assert "Notes:" not in page  # Ben's own change is no conflict
    case.record.refresh_from_db()
    assert case.record.city == "Leeds" and case.record.notes == ""


def test_a_stale_order_save_lists_the_other_managers_line_change():
    case = _order()
    anna, ben = _manager_client("Anna"), _manager_client("Ben")
    anna_form, ben_form = _open(anna, case), _open(ben, case)
    anna_form["lines-0-quantity"] = "5"
    assert anna.post(case.url, anna_form).status_code == 302

    ben_form["notes"] = "Deliver in the morning"
    page = ben.post(case.url, ben_form).content.decode()

    assert STALE in page
    sku = case.record.lines.get().product.sku
    assert f"Lines: 5 x {sku} @ 100 (you had 2 x {sku} @ 100)" in page
    assert case.record.lines.get().quantity == 5


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_a_form_sent_twice_is_not_refused(make):
    # A double click on Save: the second request comes from the same (now old)
    # version but changes nothing the first did not.
    case = make()
    anna = _manager_client("Anna")
    form = _open(anna, case)
    form[case.field] = "Anna's change"

    first, second = anna.post(case.url, form), anna.post(case.url, form)

    assert first.status_code == second.status_code == 302
    assert _value(case) == "Anna's change"
