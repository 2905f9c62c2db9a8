import threading

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.urls import reverse

from customers.models import Contact, Customer, CustomerMerge, Interaction, Task
from customers.relations import customer_related_counts, customer_relations
from customers.services import customer_merge
from tests.customers.factories import (
    ContactFactory,
    CustomerFactory,
    InteractionFactory,
    TaskFactory,
)
from tests.sms.factories import ManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    survivor = CustomerFactory(name="Acme Ltd", email="", tags=["vip", "shared"])
    merged = CustomerFactory(
        name="ACME",
        email="sales@acme.test",
        occupation="",
        tags=["shared", "wholesale"],
    )
    return survivor, merged


def test_merge_moves_every_related_record_and_records_the_counts(pair, manager):
    survivor, merged = pair
    ContactFactory.create_batch(2, customer=merged)
    InteractionFactory.create_batch(3, customer=merged)
    TaskFactory(customer=merged)
    InteractionFactory(customer=survivor)

    record = customer_merge(survivor=survivor, merged=merged, merged_by=manager)

    assert Contact.objects.filter(customer=survivor).count() == 2
    assert Interaction.objects.filter(customer=survivor).count() == 4
    assert Task.objects.filter(customer=survivor).count() == 1
    assert not Contact.objects.filter(customer=merged).exists()
    assert not Interaction.objects.filter(customer=merged).exists()
    assert sorted(survivor.tags.values_list("name", flat=True)) == [
        "shared",
        "vip",
        "wholesale",
    ]
    assert not merged.tags.exists()
    assert record.moved == {
        "contacts": 2,
        "interactions": 3,
        "tasks": 1,
        "tags": 1,
        # every relation is reported (orders move: tests/orders)
        "orders": 0,
        "opportunities": 0,
    }
    assert (record.survivor, record.merged, record.merged_by) == (
        survivor,
        merged,
        manager,
    )
    assert record.merged_name == "ACME"


def test_the_merged_customer_is_inactive_and_points_to_the_survivor(pair, manager):
    survivor, merged = pair
    customer_merge(survivor=survivor, merged=merged, merged_by=manager)
    merged.refresh_from_db()
    assert not merged.is_active
    assert merged.merged_into == survivor
    assert Customer.objects.active().filter(pk=merged.pk).count() == 0
    assert merged.history.first().history_change_reason.startswith("Merged into")


def test_blank_survivor_fields_are_filled_from_the_merged_customer(pair, manager):
    survivor, merged = pair
    survivor.notes = "Pays late."
    survivor.save()
    merged.notes = "Likes Tuesdays."
    merged.save()
    customer_merge(survivor=survivor, merged=merged, merged_by=manager)
    survivor.refresh_from_db()
    assert survivor.email == "sales@acme.test"
    assert survivor.email_key == "sales@acme.test"  # kept by the service
    assert survivor.name == "Acme Ltd"  # filled only when blank
    assert "Pays late." in survivor.notes
    assert "Likes Tuesdays." in survivor.notes


def test_the_address_is_filled_only_when_it_agrees(manager):
    survivor = CustomerFactory(
        street="", city="Leeds", region="", postal_code="", country=""
    )
    merged = CustomerFactory(street="1 High St", city="York")
    customer_merge(survivor=survivor, merged=merged, merged_by=manager)
    survivor.refresh_from_db()
    assert (survivor.street, survivor.city) == ("", "Leeds")  # another city: kept
    partial = CustomerFactory(
        street="", city="york", region="", postal_code="", country=""
    )
    other = CustomerFactory(street="1 High St", city="York", postal_code="YO1 1AA")
    customer_merge(survivor=partial, merged=other, merged_by=manager)
    partial.refresh_from_db()
    assert (partial.street, partial.city, partial.postal_code) == (
        "1 High St",
        "york",
        "YO1 1AA",
    )


def test_the_survivor_keeps_its_primary_contact(manager):
    survivor, merged = CustomerFactory(), CustomerFactory()
    kept = ContactFactory(customer=survivor, is_primary=True)
    demoted = ContactFactory(customer=merged, is_primary=True)
    customer_merge(survivor=survivor, merged=merged, merged_by=manager)
    assert list(survivor.contacts.filter(is_primary=True)) == [kept]
    demoted.refresh_from_db()
    assert demoted.customer == survivor
    assert not demoted.is_primary


def test_a_merged_primary_contact_stays_primary_when_the_survivor_has_none(manager):
    survivor, merged = CustomerFactory(), CustomerFactory()
    primary = ContactFactory(customer=merged, is_primary=True)
    customer_merge(survivor=survivor, merged=merged, merged_by=manager)
    assert list(survivor.contacts.filter(is_primary=True)) == [primary]


def test_the_external_reference_moves_when_the_survivor_has_none(manager):
    survivor = CustomerFactory(external_ref="")
    merged = CustomerFactory(external_ref="ERP-7")
    customer_merge(survivor=survivor, merged=merged, merged_by=manager)
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert survivor.external_ref == "ERP-7"
    assert merged.external_ref == ""


def test_merging_a_customer_into_itself_is_refused(manager):
    customer = CustomerFactory()
    with pytest.raises(ValidationError, match="into itself"):
        customer_merge(survivor=customer, merged=customer, merged_by=manager)
    assert not CustomerMerge.objects.exists()


def test_merging_an_already_merged_customer_is_refused(pair, manager):
    survivor, merged = pair
    customer_merge(survivor=survivor, merged=merged, merged_by=manager)
    third = CustomerFactory()
    with pytest.raises(ValidationError, match="already been merged"):
        customer_merge(survivor=third, merged=merged, merged_by=manager)
    with pytest.raises(ValidationError, match="already been merged"):
        customer_merge(survivor=merged, merged=third, merged_by=manager)
    assert CustomerMerge.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_opposite_merges_at_once_one_wins_and_neither_deadlocks():
    manager = ManagerFactory()
    first, second = CustomerFactory(), CustomerFactory()
    ContactFactory(customer=first)
    ContactFactory(customer=second)
    barrier = threading.Barrier(2)
    outcomes = []

    def merge(survivor, merged):
        try:
            barrier.wait()
            customer_merge(survivor=survivor, merged=merged, merged_by=manager)
            outcomes.append("merged")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # a deadlock would land here
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=merge, args=(first, second)),
        threading.Thread(target=merge, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["merged", "refused"]
    assert CustomerMerge.objects.count() == 1
    assert Customer.objects.filter(merged_into__isnull=False).count() == 1
    assert Contact.objects.values("customer").distinct().count() == 1


def test_relations_skip_history_merge_records_and_merged_into():
    keys = {relation.key for relation in customer_relations()}
    assert keys == {"contacts", "interactions", "tasks", "orders", "opportunities"}


# -- records of apps that arrive later -------------------------------------------


@pytest.fixture
def later_app_models(transactional_db):
    """Two models as a later app would add them: an order with a foreign key to
    the customer and a campaign with a many-to-many to customers."""

    class ProbeOrder(models.Model):
        customer = models.ForeignKey(
            "customers.Customer", on_delete=models.PROTECT, related_name="probe_orders"
        )
        number = models.CharField(max_length=20)

        class Meta:
            app_label = "customers"

        def __str__(self) -> str:
            return self.number

    class ProbeCampaign(models.Model):
        name = models.CharField(max_length=20)
        customers = models.ManyToManyField(
            "customers.Customer", related_name="probe_campaigns"
        )

        class Meta:
            app_label = "customers"

        def __str__(self) -> str:
            return self.name

    through = ProbeCampaign.customers.through
    with connection.schema_editor() as editor:
        editor.create_model(ProbeOrder)
        editor.create_model(ProbeCampaign)  # and its many-to-many table
    yield ProbeOrder, ProbeCampaign
    with connection.schema_editor() as editor:
        editor.delete_model(ProbeCampaign)
        editor.delete_model(ProbeOrder)
    for model in (ProbeOrder, ProbeCampaign, through):
        apps.all_models["customers"].pop(model._meta.model_name, None)
    apps.clear_cache()


def test_records_of_later_apps_move_too(later_app_models):
    order_model, campaign_model = later_app_models
    manager = ManagerFactory()
    survivor, merged = CustomerFactory(), CustomerFactory()
    order_model.objects.create(customer=merged, number="SO-1")
    order_model.objects.create(customer=merged, number="SO-2")
    both = campaign_model.objects.create(name="spring")
    only_merged = campaign_model.objects.create(name="autumn")
    both.customers.add(survivor, merged)
    only_merged.customers.add(merged)
    assert customer_related_counts(customer=merged)["probe_orders"] == 2

    record = customer_merge(survivor=survivor, merged=merged, merged_by=manager)

    assert set(order_model.objects.values_list("customer", flat=True)) == {survivor.pk}
    assert set(survivor.probe_campaigns.all()) == {both, only_merged}
    assert not merged.probe_campaigns.exists()
    assert record.moved["probe_orders"] == 2
    assert record.moved["probe_campaigns"] == 2


# -- the merge page ---------------------------------------------------------------


def _url(survivor, merged) -> str:
    query = f"survivor={survivor.pk}&merged={merged.pk}"
    return f"{reverse('customers:customer-merge')}?{query}"


def test_the_merge_page_compares_both_and_counts_what_will_move(manager_client, pair):
    survivor, merged = pair
    ContactFactory.create_batch(2, customer=merged)
    InteractionFactory(customer=merged)
    response = manager_client.get(_url(survivor, merged))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Ltd" in body
    assert "sales@acme.test" in body
    assert "filled" in body
    counts = {label: moving for label, _kept, moving in response.context["counts"]}
    assert counts["contacts"] == 2
    assert counts["interactions"] == 1
    assert counts["tags"] == 2
    assert not Contact.objects.filter(customer=survivor).exists()  # GET writes nothing


def test_posting_the_merge_merges_and_goes_to_the_survivor(manager_client, pair):
    survivor, merged = pair
    response = manager_client.post(
        reverse("customers:customer-merge"),
        {"survivor": survivor.pk, "merged": merged.pk},
    )
    assert response.status_code == 302
    assert response.url == reverse("customers:customer-detail", args=[survivor.pk])
    merged.refresh_from_db()
    assert merged.merged_into == survivor


def test_a_refused_merge_shows_the_reason(manager_client):
    customer = CustomerFactory()
    page = manager_client.get(_url(customer, customer))
    assert "cannot be merged into itself" in page.content.decode()
    response = manager_client.post(
        reverse("customers:customer-merge"),
        {"survivor": customer.pk, "merged": customer.pk},
        follow=True,
    )
    assert "cannot be merged into itself" in response.content.decode()
    assert not CustomerMerge.objects.exists()


def test_the_merge_page_without_a_pair_offers_likely_duplicates(manager_client):
    survivor = CustomerFactory(email="x@acme.test")
    twin = CustomerFactory(email="X@ACME.test")
    response = manager_client.get(
        reverse("customers:customer-merge") + f"?survivor={survivor.pk}"
    )
    assert response.status_code == 200
    assert [c for c, _reason in response.context["candidates"]] == [twin]


def test_unknown_customers_are_404(manager_client):
    customer = CustomerFactory()
    response = manager_client.get(
        reverse("customers:customer-merge") + f"?survivor={customer.pk}&merged=999999"
    )
    assert response.status_code == 404


def test_reps_cannot_open_or_post_the_merge_page(rep_client, rep):
    survivor, merged = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    assert rep_client.get(_url(survivor, merged)).status_code == 403
    response = rep_client.post(
        reverse("customers:customer-merge"),
        {"survivor": survivor.pk, "merged": merged.pk},
    )
    assert response.status_code == 403
    merged.refresh_from_db()
    assert merged.merged_into is None
