"""A create form posted twice saves once: customers, contacts, calls, tasks.

The parallel tests need PostgreSQL (SQLite serialises writers)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Contact, Customer, Interaction, Task
from sms.idempotency import form_token_new
from tests.sms.double_submit import form_token, parallel_posts, posted_twice
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db

NEW = {
    "kind": "company",
    "name": "Acme Ltd",
    "email": "sales@acme.test",
    "phone": "+44 20 7946 0000",
    "city": "Leeds",
    "source_channel": "other",
    "payment_terms_days": 30,
}


def test_the_new_customer_form_posted_twice_makes_one_customer(client):
    client.force_login(RepFactory())
    first, second = posted_twice(client, reverse("customers:customer-create"), NEW)
    customer = Customer.objects.get()
    assert first.status_code == 302 and first.url == customer.get_absolute_url()
    assert second.redirect_chain == [(customer.get_absolute_url(), 302)]
    assert "This was already saved." in second.content.decode()


def test_a_form_shown_again_keeps_its_token_and_saves_once_corrected(client):
    client.force_login(RepFactory())
    url = reverse("customers:customer-create")
    token = form_token(client, url)
    invalid = client.post(url, {**NEW, "name": "", "form_token": token})
    assert invalid.status_code == 200
    assert f'name="form_token" value="{token}"' in invalid.content.decode()
    assert client.post(url, {**NEW, "form_token": token}).status_code == 302
    assert client.post(url, {**NEW, "form_token": token}).status_code == 302
    assert Customer.objects.count() == 1


def test_confirming_a_duplicate_with_the_same_token_saves_it_once(
    client, make_customer
):
    rep = RepFactory()
    make_customer(rep, name="Acme", email="sales@acme.test")
    client.force_login(rep)
    url = reverse("customers:customer-create")
    token = form_token(client, url)
    asked = client.post(url, {**NEW, "form_token": token})
    assert asked.status_code == 200 and asked.context["duplicates"]
    confirmed = {**NEW, "form_token": token, "confirm_duplicate": "on"}
    assert client.post(url, confirmed).status_code == 302
    assert client.post(url, confirmed).status_code == 302
    assert Customer.objects.count() == 2


def test_contact_call_and_task_forms_posted_twice_save_once(client, make_customer):
    rep = RepFactory()
    customer = make_customer(rep, name="Acme")
    client.force_login(rep)
    posted_twice(
        client,
        reverse("customers:contact-create", args=[customer.pk]),
        {"name": "Ann Buyer", "email": "ann@acme.test"},
    )
    posted_twice(
        client,
        reverse("customers:interaction-create", args=[customer.pk]),
        {"kind": "call", "occurred_at": "2026-11-20T09:30", "summary": "Renewal"},
    )
    posted_twice(
        client,
        reverse("customers:task-create"),
        {
            "title": "Send the price list",
            "due_on": timezone.localdate().isoformat(),
            "assigned_to": rep.pk,
            "customer": customer.pk,
        },
    )
    assert Contact.objects.count() == 1
    assert Interaction.objects.count() == 1
    assert Task.objects.count() == 1


def test_editing_a_contact_is_not_blocked_by_its_token(client, make_customer):
    """Only creates are one-time: an edit form saved twice saves both times."""
    rep = RepFactory()
    customer = make_customer(rep, name="Acme")
    client.force_login(rep)
    contact = Contact.objects.create(customer=customer, name="Ann")
    url = reverse("customers:contact-update", args=[customer.pk, contact.pk])
    token = form_token(client, url)
    client.post(url, {"name": "Ann B", "form_token": token})
    client.post(url, {"name": "Ann C", "form_token": token})
    contact.refresh_from_db()
    assert contact.name == "Ann C"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_new_customer_posts_at_once_with_one_token_make_one_customer():
    rep = RepFactory()
    token = form_token_new()
    url = reverse("customers:customer-create")
    results = parallel_posts(rep, url, [{**NEW, "form_token": token}] * 10)
    customer = Customer.objects.get()
    assert results == [(302, customer.get_absolute_url())] * 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_tabs_posting_the_same_new_customer_at_once_make_one_customer():
    """Ten different tokens (ten tabs): the duplicate rule holds under concurrency,
    the nine others are asked to confirm."""
    rep = RepFactory()
    url = reverse("customers:customer-create")
    payloads = [{**NEW, "form_token": form_token_new()} for _ in range(10)]
    results = parallel_posts(rep, url, payloads)
    customer = Customer.objects.get()
    assert sorted(results) == [(200, "")] * 9 + [(302, customer.get_absolute_url())]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_posts_without_tokens_still_make_one_customer():
    rep = RepFactory()
    url = reverse("customers:customer-create")
    results = parallel_posts(rep, url, [NEW] * 10)
    assert Customer.objects.count() == 1
    assert sorted(status for status, _url in results) == [200] * 9 + [302]
