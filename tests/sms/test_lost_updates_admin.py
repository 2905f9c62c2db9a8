"""The admin change forms of the same records refuse a stale save too, keeping
what was typed and showing the other change (sms.concurrency.VersionedAdminMixin)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.sms.factories import AdminFactory
from tests.sms.html_forms import post_data
from tests.sms.test_lost_updates import CASES, STALE

pytestmark = pytest.mark.django_db


def _admin_url(record) -> str:
    meta = record._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])


def _admin_client() -> Client:
    client = Client()
    client.force_login(AdminFactory(first_name="Ada", last_name="Admin"))
    return client


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_a_stale_admin_save_is_refused_then_saves(make):
    case = make()
    url = _admin_url(case.record)
    anna, ben = _admin_client(), _admin_client()
    anna_form = post_data(anna.get(url).content.decode(), having="version")
    ben_form = post_data(ben.get(url).content.decode(), having="version")

    anna_form[case.field] = "Anna's change"
    response = anna.post(url, anna_form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    case.record.refresh_from_db()
    assert getattr(case.record, case.field) == "Anna's change"

    ben_form[case.field] = "Ben's change"
    response = ben.post(url, ben_form)

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page
    assert "Anna&#x27;s change (you had Ben&#x27;s change)" in page
    case.record.refresh_from_db()
    assert getattr(case.record, case.field) == "Anna's change"

    response = ben.post(url, post_data(page, having="version"))

    assert response.status_code == 302, response.content.decode()[-3000:]
    case.record.refresh_from_db()
    assert getattr(case.record, case.field) == "Ben's change"


def test_an_admin_form_sent_twice_is_not_refused():
    case = CASES["customer"]()
    url = _admin_url(case.record)
    ada = _admin_client()
    form = post_data(ada.get(url).content.decode(), having="version")
    form["notes"] = "Twice"

    assert ada.post(url, form).status_code == 302
    assert ada.post(url, form).status_code == 302
    case.record.refresh_from_db()
    assert case.record.notes == "Twice"


def test_an_admin_form_opened_before_a_reassignment_is_refused():
    from customers.services import customer_reassign
    from tests.sms.factories import RepFactory

    case = CASES["customer"]()
    url = _admin_url(case.record)
    ada = _admin_client()
    form = post_data(ada.get(url).content.decode(), having="version")
    new_owner = RepFactory(first_name="Nia", last_name="Owner")
    customer_reassign(customers=[case.record], owner=new_owner)

    form["notes"] = "Stale"
    page = ada.post(url, form).content.decode()

    assert STALE in page and "Nia Owner" in page
    case.record.refresh_from_db()
    assert case.record.owner == new_owner and case.record.notes == ""
