"""Factories for customers, contacts, interactions and tasks.

Customers are saved with their normalised duplicate-detection keys set through the
same helpers the services use, so they behave exactly like customers created through
``customers.services``. E-mail addresses and phone numbers come from a sequence, so two
factory customers never look like duplicates of each other by accident.
"""

from datetime import timedelta

import factory
from django.utils import timezone
from faker import Faker

from customers.models import Contact, Customer, Interaction, Tag, Task
from customers.services import email_key, name_key, phone_key, tags_parse
from tests.sms.factories import RepFactory

_fake = Faker("en_GB")


def _slug(text: str) -> str:
    return "-".join(name_key(text).split()) or "customer"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    """A company customer owned by a new sales rep.

    ``CustomerFactory(tags=["vip", "wholesale"])`` sets tags by name;
    ``CustomerFactory(kind=Customer.Kind.INDIVIDUAL)`` gives a person (use
    ``IndividualFactory`` for realistic personal details).
    """

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    kind = Customer.Kind.COMPANY
    name = factory.Faker("company", locale="en_GB")
    email = factory.LazyAttributeSequence(lambda o, n: f"info{n}@{_slug(o.name)}.test")
    # +44 7700 900xxx-style mobile numbers, unique per sequence number.
    phone = factory.Sequence(lambda n: f"+44 7700 {n:06d}")
    street = factory.Faker("street_address", locale="en_GB")
    city = factory.Faker("city", locale="en_GB")
    region = factory.Faker("county", locale="en_GB")
    postal_code = factory.Faker("postcode", locale="en_GB")
    country = "United Kingdom"
    industry = factory.Iterator([c.value for c in Customer.Industry])
    source_channel = factory.Iterator([c.value for c in Customer.Channel])
    owner = factory.SubFactory(RepFactory)
    notes = ""
    external_ref = ""
    payment_terms_days = 30

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        customer = model_class(*args, **kwargs)
        customer.email_key = email_key(customer.email)
        customer.phone_key = phone_key(customer.phone)
        customer.name_key = name_key(customer.name)
        customer.save()
        return customer

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        names = tags_parse(extracted) if isinstance(extracted, str) else extracted
        self.tags.set(
            [tag if isinstance(tag, Tag) else TagFactory(name=tag) for tag in names]
        )


class IndividualFactory(CustomerFactory):
    kind = Customer.Kind.INDIVIDUAL
    name = factory.Faker("name", locale="en_GB")
    email = factory.LazyAttributeSequence(lambda o, n: f"{_slug(o.name)}.{n}@mail.test")
    industry = ""
    age_band = factory.Iterator([c.value for c in Customer.AgeBand])
    gender = factory.Iterator([c.value for c in Customer.Gender])
    occupation = factory.Faker("job", locale="en_GB")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="en_GB")
    title = factory.Faker("job", locale="en_GB")
    email = factory.LazyAttributeSequence(
        lambda o, n: f"{_slug(o.name)}.{n}@{_slug(o.customer.name)}.test"
    )
    phone = factory.Sequence(lambda n: f"+44 7700 {n:06d}")
    is_primary = False


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    contact = None
    kind = factory.Iterator([c.value for c in Interaction.Kind])
    occurred_at = factory.LazyFunction(
        lambda: timezone.now() - timedelta(days=_fake.random_int(0, 365))
    )
    summary = factory.Faker("sentence", nb_words=10)
    outcome = ""
    follow_up_on = None
    created_by = factory.LazyAttribute(lambda o: o.customer.owner)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.LazyAttribute(
        lambda o: f"Call {o.customer.name}" if o.customer else "Plan next week's calls"
    )
    due_on = factory.LazyFunction(
        lambda: timezone.localdate() + timedelta(days=_fake.random_int(-5, 30))
    )
    customer = factory.SubFactory(CustomerFactory)
    assigned_to = factory.LazyAttribute(
        lambda o: o.customer.owner if o.customer else RepFactory()
    )
    created_by = factory.LazyAttribute(lambda o: o.assigned_to)
    done = False
    done_at = None
