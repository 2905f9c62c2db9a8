import pytest

from customers.models import Customer
from customers.services import customer_duplicates, email_key, name_key, phone_key
from tests.customers.factories import (
    ContactFactory,
    CustomerFactory,
    IndividualFactory,
    InteractionFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def test_customer_factory_sets_the_duplicate_keys_like_the_services():
    customer = CustomerFactory()
    assert customer.owner.groups.filter(name="Sales rep").exists()
    assert customer.email_key == email_key(customer.email)
    assert customer.phone_key == phone_key(customer.phone)
    assert customer.name_key == name_key(customer.name)
    customer.full_clean()


def test_factory_customers_are_not_duplicates_of_each_other():
    customers = CustomerFactory.create_batch(20) + IndividualFactory.create_batch(5)
    for customer in customers:
        assert not customer_duplicates(
            name=customer.name,
            email=customer.email,
            phone=customer.phone,
            exclude_pk=customer.pk,
        )


def test_tags_by_name_and_individuals():
    customer = CustomerFactory(tags=["vip", "eco"])
    assert sorted(customer.tags.values_list("name", flat=True)) == ["eco", "vip"]
    person = IndividualFactory()
    assert person.kind == Customer.Kind.INDIVIDUAL
    assert person.age_band and person.gender and person.occupation
    person.full_clean()


def test_related_factories_belong_to_the_customer_and_its_owner():
    contact = ContactFactory()
    interaction = InteractionFactory(customer=contact.customer, contact=contact)
    task = TaskFactory(customer=contact.customer)
    assert interaction.created_by == contact.customer.owner
    assert task.assigned_to == task.created_by == contact.customer.owner
    for obj in (contact, interaction, task):
        obj.full_clean()
    assert TaskFactory(customer=None).assigned_to is not None
