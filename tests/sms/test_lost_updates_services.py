"""The services refuse a save from a stale version (sms.concurrency), and the
other writes that change what an edit form shows count as a change."""

from decimal import Decimal

import pytest

from customers import services as customer_services
from opportunities import services as opportunity_services
from opportunities.models import Stage
from orders import services as order_services
from products.services import product_update
from sms.concurrency import StaleEdit
from tests.customers.factories import ContactFactory, CustomerFactory
from tests.opportunities.factories import opportunity
from tests.orders.factories import draft_order
from tests.products.factories import ProductFactory
from tests.sms.factories import ManagerFactory

pytestmark = pytest.mark.django_db


def test_customer_update_from_a_stale_version_raises_and_writes_nothing():
    customer = CustomerFactory(city="York", notes="")
    read = customer.version
    customer_services.customer_update(
        customer=customer, version=read, city="Leeds", tags=["vip"]
    )

    with pytest.raises(StaleEdit) as caught:
        customer_services.customer_update(
            customer=customer, version=read, city="Hull", tags=[]
        )

    assert caught.value.current_version == read + 1
    assert ("City", "Leeds", "Hull") in caught.value.changes
    assert ("Tags", "vip", "(empty)") in caught.value.changes
    customer.refresh_from_db()
    assert customer.city == "Leeds" and customer.version == read + 1
    assert list(customer.tags.values_list("name", flat=True)) == ["vip"]


def test_a_save_without_a_version_is_counted_unchecked():
    customer = CustomerFactory()
    before = customer.version

    customer_services.customer_update(customer=customer, city="Leeds")

    customer.refresh_from_db()
    assert customer.version == before + 1 and customer.city == "Leeds"


def test_product_update_that_changes_nothing_is_not_refused():
    product = ProductFactory(name="Desk")
    product_update(product=product, user=None, name="Chair")

    same = product_update(product=product, user=None, version=1, name="Chair")

    assert same.version == 2


def test_a_stale_product_save_names_the_user_who_changed_it():
    product = ProductFactory(list_price=Decimal("100.00"))
    anna = ManagerFactory(first_name="Anna", last_name="Lee")
    product_update(product=product, user=anna, version=1, list_price=Decimal("120"))

    with pytest.raises(StaleEdit) as caught:
        product_update(product=product, user=None, version=1, name="Desk 2")

    assert caught.value.by == "Anna Lee"
    # Only Anna's change: the name is Ben's own, the price is what he'd undo.
    assert caught.value.changes == []
    message = caught.value.messages[0]
    assert message.startswith("Someone else (Anna Lee, ")


def test_a_stage_move_refuses_an_opportunity_form_opened_before_it():
    opp = opportunity()
    read = opp.version

    opportunity_services.opportunity_move(
        opportunity=opp, to_stage=Stage.QUALIFIED, user=None
    )

    with pytest.raises(StaleEdit) as caught:
        opportunity_services.opportunity_update(
            opportunity=opp, user=None, version=read, probability=10
        )
    assert ("Probability (%)", "25", "10") in caught.value.changes
    opp.refresh_from_db()
    assert opp.probability == 25


def test_a_new_primary_contact_counts_a_change_of_the_old_one():
    old = ContactFactory(is_primary=True)
    read = old.version

    customer_services.contact_save(
        customer=old.customer, name="New Boss", is_primary=True
    )

    old.refresh_from_db()
    assert old.version == read + 1 and not old.is_primary
    with pytest.raises(StaleEdit):
        customer_services.contact_save(
            customer=old.customer, contact=old, version=read, is_primary=True
        )


def test_confirming_an_order_refuses_a_draft_form_opened_before_it():
    order = draft_order(stock=10)
    read = order.version
    order_services.order_confirm(order=order, user=None)
    order_services.order_return_to_draft(order=order, user=None)

    with pytest.raises(StaleEdit):
        order_services.order_update(
            order=order, user=None, lines=[], notes="Stale", version=read
        )
    order.refresh_from_db()
    assert order.notes == "" and order.version == read + 2


def test_a_merge_counts_a_change_of_the_survivor():
    survivor = CustomerFactory(email="", notes="")
    merged = CustomerFactory(email="buyer@example.com")
    read = survivor.version

    customer_services.customer_merge(
        survivor=survivor, merged=merged, merged_by=ManagerFactory()
    )

    with pytest.raises(StaleEdit) as caught:
        customer_services.customer_update(customer=survivor, version=read, email="")
    assert ("Email", "buyer@example.com", "(empty)") in caught.value.changes
