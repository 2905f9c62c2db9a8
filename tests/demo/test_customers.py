import random
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from customers.models import Contact, Customer, Interaction, Task
from customers.services import email_key, name_key, phone_key
from demo.customers import customers_seed
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db


def _seed(**options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - demo data, not secrets


def _sorted(rows) -> list:
    return sorted(rows, key=lambda row: tuple("" if v is None else str(v) for v in row))


def _snapshot() -> dict:
    """Everything seeded, without ids and the times of writing (they differ per
    run). "Customer since" is seeded: the day, and the moment for customers who
    never ordered (an order drawn for the last half hour is placed half an hour
    ago, so a first order's time of day may follow the clock)."""
    customers = {
        c.external_ref: (
            timezone.localdate(c.created_at),
            c.created_at if c.first_order is None else None,
            c.kind,
            c.name,
            c.email,
            c.phone,
            c.address,
            c.industry,
            c.source_channel,
            c.owner.username,
            c.is_active,
            c.notes,
            tuple(sorted(t.name for t in c.tags.all())),
        )
        for c in Customer.objects.select_related("owner")
        .prefetch_related("tags")
        .annotate(first_order=Min("orders__created_at"))
    }
    contacts = _sorted(
        Contact.objects.values_list(
            "customer__external_ref", "name", "title", "email", "is_primary"
        )
    )
    interactions = _sorted(
        Interaction.objects.values_list(
            "customer__external_ref",
            "contact__name",
            "kind",
            "occurred_at",
            "summary",
            "outcome",
            "follow_up_on",
        )
    )
    tasks = _sorted(
        Task.objects.values_list(
            "customer__external_ref", "title", "due_on", "done", "interaction__summary"
        )
    )
    return {
        "customers": customers,
        "contacts": contacts,
        "interactions": interactions,
        "tasks": tasks,
    }


def _customers_delete() -> None:
    """Delete every customer, after the demo pipeline and orders that point at
    them."""
    from opportunities.models import Opportunity
    from orders.models import Order, Payment, Shipment

    Opportunity.objects.all().delete()
    Payment.objects.all().delete()
    Shipment.objects.all().delete()
    Order.objects.all().delete()
    Customer.objects.all().delete()


# Reproducibility holds for any size: a few customers over a few months are
# seeded four times (the default size takes seconds each).
SMALL = {"customers": 12, "months": 3}


def test_seed_demo_is_reproducible_and_does_not_duplicate(settings):
    settings.DEBUG = True
    out, err = _seed(seed=1, **SMALL)
    assert "Customers: 12 created." in out
    assert "Customers" in err  # the progress bar
    first = _snapshot()
    assert len(first["customers"]) == 12
    assert first["interactions"]
    since = [row[1] for row in first["customers"].values()]
    assert any(since) and not all(since)  # customers with and without orders

    out, _ = _seed(seed=1, **SMALL)
    assert "already exist" in out
    assert Customer.objects.count() == 12
    assert _snapshot() == first

    _customers_delete()
    _seed(seed=1, **SMALL)
    assert _snapshot() == first
    _customers_delete()
    _seed(seed=2, **SMALL)
    assert _snapshot() != first


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        _seed(seed=1, **SMALL)
    assert not Customer.objects.exists()


def test_seed_demo_owners_are_the_demo_reps(settings):
    settings.DEBUG = True
    _seed(customers=6, months=2, seed=3)
    owners = set(Customer.objects.values_list("owner__username", flat=True))
    assert owners == {"rep1", "rep2"}


def test_no_owners_or_no_count_seeds_nothing():
    assert customers_seed(rng=_rng(1), count=10, owners=[]) == 0
    user = get_user_model().objects.create(username="x")
    assert customers_seed(rng=_rng(1), count=0, owners=[user]) == 0
    assert not Customer.objects.exists()


# The tests below look at the mix of many customers: 600 are seeded once for them
# (the tests above run before, on an empty database), inside a transaction rolled
# back at the end of the module; each test runs in a savepoint of it.
@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        reps = [RepFactory(), RepFactory()]
        created = customers_seed(rng=_rng(7), count=600, owners=reps, months=18)
        assert created == 600
        yield reps
        transaction.set_rollback(True)


def test_demo_customers_are_a_realistic_mix(seeded):
    customers = Customer.objects.all()
    assert customers.count() == 600
    kinds = dict(customers.values_list("kind").annotate(n=Count("pk")))
    assert 300 < kinds["company"] < 500
    assert 100 < kinds["individual"] < 300
    industries = dict(
        customers.filter(kind="company").values_list("industry").annotate(n=Count("pk"))
    )
    assert len(industries) >= 8
    assert industries["retail"] > industries["public_sector"]  # weighted
    countries = dict(customers.values_list("country").annotate(n=Count("pk")))
    assert countries["Germany"] > 500
    assert len(countries) > 2  # and a few abroad
    assert customers.values("city").distinct().count() > 20
    assert set(customers.values_list("owner", flat=True)) == {u.pk for u in seeded}
    assert not customers.filter(kind="individual").exclude(industry="").exists()
    assert customers.filter(kind="individual", age_band="").count() == 0
    refs = sorted(customers.values_list("external_ref", flat=True))
    assert refs[0] == "DEMO-000001"
    assert len(set(refs)) == 600


def test_demo_customers_have_their_keys_set(seeded):
    for customer in Customer.objects.all()[:200]:
        assert customer.email_key == email_key(customer.email)
        assert customer.phone_key == phone_key(customer.phone)
        assert customer.name_key == name_key(customer.name)


def test_companies_have_up_to_three_contacts_with_one_primary(seeded):
    per_customer = Customer.objects.annotate(
        n=Count("contacts"),
        primary=Count("contacts", filter=Q(contacts__is_primary=True)),
    )
    assert not per_customer.filter(kind="individual", n__gt=0).exists()
    assert per_customer.filter(n__gt=3).count() == 0
    assert (
        per_customer.filter(n__gt=0, primary=1).count()
        == per_customer.filter(n__gt=0).count()
    )
    assert per_customer.filter(kind="company", n=0).exists()


def test_interactions_span_the_months_weighted_towards_recent(seeded):
    now = timezone.now()
    interactions = Interaction.objects.all()
    assert interactions.count() > 1200
    oldest = interactions.order_by("occurred_at").first().occurred_at
    assert oldest >= now - timedelta(days=18 * 31)
    assert interactions.filter(occurred_at__gt=now).count() == 0
    recent = interactions.filter(occurred_at__gte=now - timedelta(days=90)).count()
    old = interactions.filter(occurred_at__lt=now - timedelta(days=456)).count()
    assert recent > 2 * old
    mismatched = interactions.exclude(created_by=F("customer__owner")).count()
    assert mismatched == 0
    foreign_contacts = interactions.filter(contact__isnull=False).exclude(
        contact__customer=F("customer")
    )
    assert not foreign_contacts.exists()


def test_open_tasks_are_overdue_due_today_and_upcoming(seeded):
    today = timezone.localdate()
    open_tasks = Task.objects.open()
    assert open_tasks.filter(due_on__lt=today).exists()
    assert open_tasks.filter(due_on=today).exists()
    assert open_tasks.filter(due_on__gt=today).exists()
    assert not Task.objects.exclude(assigned_to=F("customer__owner")).exists()
    follow_ups = Task.objects.filter(interaction__isnull=False)
    assert follow_ups.exists()
    for task in follow_ups.select_related("interaction")[:50]:
        assert task.interaction.follow_up_on == task.due_on
        assert task.interaction.customer_id == task.customer_id


def test_a_few_twins_show_up_as_duplicates(seeded):
    from customers.services import customer_duplicates

    twins = Customer.objects.filter(notes__startswith="Entered at a trade fair")
    assert twins.exists()
    for twin in twins:
        found = customer_duplicates(
            name=twin.name,
            email=twin.email,
            phone=twin.phone,
            city=twin.city,
            exclude_pk=twin.pk,
        )
        assert found


def test_seeding_again_is_skipped(seeded):
    assert customers_seed(rng=_rng(7), count=10, owners=seeded) == 0
    assert Customer.objects.count() == 600
