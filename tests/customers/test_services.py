import datetime

import pytest
from django.core.exceptions import ValidationError

from customers.models import Task
from customers.services import (
    contact_save,
    customer_duplicates,
    customer_reassign,
    customer_update,
    interaction_log,
    name_key,
    phone_key,
    tags_parse,
)
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("+44 20 7946 0000", "020 7946 0000"),
        ("0044 (20) 7946-0000", "+44 20 7946 0000"),
        ("+1 555 010 0000", "555.010.0000"),
    ],
)
def test_phone_key_matches_the_same_number_written_differently(a, b):
    assert phone_key(a) == phone_key(b)


def test_name_key_ignores_case_accents_punctuation_and_legal_form():
    assert name_key("Müller & Söhne GmbH") == name_key("MULLER SOHNE")
    assert name_key("Acme, Ltd.") == name_key("acme")
    assert name_key("Acme Tools") != name_key("Acme")


def test_tags_parse_splits_trims_lowercases_and_dedupes():
    assert tags_parse(" VIP, wholesale;vip ,, News  letter") == [
        "vip",
        "wholesale",
        "news letter",
    ]


def test_duplicates_found_by_email_phone_or_name_in_city(make_customer):
    rep = RepFactory()
    acme = make_customer(
        rep, name="Acme Ltd", email="Info@Acme.test", phone="020 7946 0000"
    )
    by_email = customer_duplicates(name="Other", email=" info@acme.TEST ")
    by_phone = customer_duplicates(name="Other", phone="+44 (0)20 7946 0000")
    by_name = customer_duplicates(name="ACME", city="leeds")
    assert [(c.pk, r) for c, r in by_email] == [(acme.pk, "same e-mail")]
    assert [(c.pk, r) for c, r in by_phone] == [(acme.pk, "same phone")]
    assert [(c.pk, r) for c, r in by_name] == [(acme.pk, "same name in the same city")]
    assert customer_duplicates(name="Acme", city="York") == []
    assert customer_duplicates(name="Acme", city="Leeds", exclude_pk=acme.pk) == []


def test_update_keeps_keys_and_records_history(make_customer):
    rep = RepFactory()
    customer = make_customer(rep, name="Old Name")
    customer_update(customer=customer, name="New Name Ltd", tags=["vip"])
    customer.refresh_from_db()
    assert customer.name_key == "new name"
    assert [t.name for t in customer.tags.all()] == ["vip"]
    assert customer.history.count() == 2


def test_update_rejects_a_bad_email(make_customer):
    customer = make_customer(RepFactory())
    with pytest.raises(ValidationError) as exc:
        customer_update(customer=customer, email="not-an-email")
    assert "email" in exc.value.message_dict


def test_reassign_changes_owner_and_refuses_inactive_users(make_customer):
    rep, other = RepFactory(), RepFactory()
    customers = [make_customer(rep), make_customer(rep), make_customer(other)]
    assert customer_reassign(customers=customers, owner=other) == 2
    assert {c.owner_id for c in customers} == {other.pk}
    other.is_active = False
    other.save()
    with pytest.raises(ValidationError):
        customer_reassign(customers=customers, owner=other)


def test_a_new_primary_contact_demotes_the_old_one(make_customer):
    customer = make_customer(RepFactory())
    first = contact_save(customer=customer, name="Ann", is_primary=True)
    second = contact_save(customer=customer, name="Bob", is_primary=True)
    first.refresh_from_db()
    assert not first.is_primary
    assert second.is_primary


def test_an_interaction_with_a_follow_up_creates_a_task_for_the_owner(make_customer):
    rep, colleague = RepFactory(), RepFactory()
    customer = make_customer(rep, name="Globex")
    due = datetime.date(2030, 1, 15)
    interaction = interaction_log(
        customer=customer,
        created_by=colleague,
        kind="call",
        summary="Asked for a quote",
        follow_up_on=due,
    )
    task = Task.objects.get(interaction=interaction)
    assert task.assigned_to == rep
    assert task.due_on == due
    assert task.customer == customer
    assert "Globex" in task.title


def test_an_interaction_refuses_another_customers_contact(make_customer):
    rep = RepFactory()
    a, b = make_customer(rep), make_customer(rep)
    contact = contact_save(customer=b, name="Eve")
    with pytest.raises(ValidationError):
        interaction_log(
            customer=a, created_by=rep, kind="call", summary="x", contact=contact
        )
