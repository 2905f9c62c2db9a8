import pytest

from customers.models import Customer
from customers.services import contact_save, interaction_log, task_create
from tests.sms.factories import AdminFactory, RepFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_searches_and_opens_every_customer_model(client, make_customer):
    rep = RepFactory()
    customer = make_customer(rep, name="Admin Visible Ltd")
    contact = contact_save(customer=customer, name="Ann")
    interaction_log(customer=customer, created_by=rep, kind="call", summary="hello")
    task_create(
        title="Ring",
        due_on=customer.created_at.date(),
        assigned_to=rep,
        created_by=rep,
        customer=customer,
    )
    client.force_login(AdminFactory())
    for url in [
        "/admin/customers/customer/?q=visible",
        f"/admin/customers/customer/{customer.pk}/change/",
        f"/admin/customers/customer/{customer.pk}/history/",
        "/admin/customers/contact/",
        f"/admin/customers/contact/{contact.pk}/change/",
        "/admin/customers/interaction/",
        "/admin/customers/task/",
        "/admin/customers/tag/",
        "/admin/customers/customermerge/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert (
        "Admin Visible Ltd"
        in client.get("/admin/customers/customer/?q=visible").content.decode()
    )


def test_admin_action_reassigns_the_selected_customers(client, make_customer):
    rep1, rep2 = RepFactory(), RepFactory()
    customers = [make_customer(rep1), make_customer(rep1)]
    client.force_login(AdminFactory())
    response = client.post(
        "/admin/customers/customer/",
        {
            "action": f"reassign_to_{rep2.pk}",
            "_selected_action": [c.pk for c in customers],
        },
    )
    assert response.status_code == 302
    assert set(Customer.objects.values_list("owner", flat=True)) == {rep2.pk}


def test_admin_edit_goes_through_the_service_and_keeps_duplicate_keys(
    client, make_customer
):
    rep = RepFactory()
    customer = make_customer(rep, name="Old Name", email="old@example.com")
    client.force_login(AdminFactory())
    page = client.get(f"/admin/customers/customer/{customer.pk}/change/")
    form = page.context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and not isinstance(v, list)
    }
    data.update(
        name="New Name",
        email="NEW@example.com",
        owner=rep.pk,
        tags=[],
        **{
            f"{prefix}-{key}": value
            for prefix in ("contacts", "interactions")
            for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
        },
    )
    response = client.post(f"/admin/customers/customer/{customer.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.name == "New Name"
    assert customer.email_key == "new@example.com"
