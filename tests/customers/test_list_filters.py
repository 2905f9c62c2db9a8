"""Filters other apps register on the customer list (customers.list_filters): shown
on the form, applied to the list, its pages and its export, per user."""

import csv
import io

import pytest
from django.urls import reverse

from customers import list_filters
from customers.list_filters import ListFilter, ListFilterField, list_filter_register
from tests.sms.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db
URL = reverse("customers:customer-list")


@pytest.fixture
def initial_filter(monkeypatch):
    """A stand-in for another app's filter: customers by the first letter of their
    name; managers only."""
    calls = []

    def field(*, user):
        calls.append(user)
        if not user.groups.filter(name="Sales manager").exists():
            return None
        return ListFilterField(
            label="Initial",
            choices=[("a", "A"), ("b", "B")],
            empty_label="Any initial",
            help_text="First letter",
        )

    def apply(*, queryset, value, user):
        return queryset.filter(name__istartswith=value)

    monkeypatch.setattr(list_filters, "_FILTERS", dict(list_filters._FILTERS))
    list_filter_register(key="initial", field=field, apply=apply, order=1)
    return calls


@pytest.fixture
def customers(make_customer):
    owner = RepFactory()
    for name in ("Alpha Ltd", "Acme plc", "Beta GmbH"):
        make_customer(owner, name=name)


def names(response):
    return [row.record.name for row in response.context["table"].page.object_list]


def test_a_registered_filter_is_on_the_form_and_narrows_the_list(
    client, customers, initial_filter
):
    client.force_login(ManagerFactory())
    page = client.get(URL)
    field = page.context["filter"].form.fields["initial"]
    assert field.label == "Initial"
    assert list(field.choices) == [("", "Any initial"), ("a", "A"), ("b", "B")]
    assert "First letter" in page.content.decode()
    assert names(client.get(URL, {"initial": "a"})) == ["Acme plc", "Alpha Ltd"]
    # with the list's own filters
    assert names(client.get(URL, {"initial": "a", "q": "ltd"})) == ["Alpha Ltd"]
    export = client.get(URL, {"initial": "b", "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ["Beta GmbH"]
    assert len(initial_filter) == 4  # the field is built once per request


def test_a_filter_left_out_for_a_user_is_neither_shown_nor_applied(
    client, customers, initial_filter
):
    rep = RepFactory()
    client.force_login(rep)
    response = client.get(URL, {"initial": "b"})
    assert "initial" not in response.context["filter"].form.fields
    assert initial_filter == [rep]


def test_a_value_not_among_the_choices_is_a_field_error(
    client, customers, initial_filter
):
    client.force_login(ManagerFactory())
    response = client.get(URL, {"initial": "z"})
    assert response.status_code == 200
    assert "initial" in response.context["filter"].form.errors
    assert len(names(response)) == 3  # the bad value narrows nothing


def test_a_filter_cannot_shadow_the_lists_own_parameters(monkeypatch):
    monkeypatch.setattr(list_filters, "_FILTERS", {})
    with pytest.raises(ValueError, match="own parameters"):
        list_filter_register(
            key="owner", field=lambda **kw: None, apply=lambda **kw: None
        )
    assert list_filters._FILTERS == {}


def test_filters_come_in_order(monkeypatch):
    monkeypatch.setattr(list_filters, "_FILTERS", {})
    list_filter_register(key="late", field=None, apply=None, order=50)
    list_filter_register(key="early", field=None, apply=None, order=10)
    assert [f.key for f in list_filters.list_filters()] == ["early", "late"]
    assert isinstance(list_filters.list_filters()[0], ListFilter)
