"""An order date the calendar cannot carry: 9999-12-31 saved as a draft, then the
confirmation (due date = order date + payment terms) was a 500."""

import pytest
from django.urls import reverse

from orders.models import Order
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.orders.test_views import _form_data
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_order_date_outside_1970_to_2999_is_refused_next_to_the_field(
    rep_client, rep, day
):
    customer = CustomerFactory(owner=rep)
    product = ProductFactory()
    data = _form_data(
        customer,
        WarehouseFactory(code="MAIN"),
        [{"product": product.sku, "quantity": "1"}],
        order_date=day,
    )
    response = rep_client.post(reverse("orders:order-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["order_date"] == [
        "Choose a date from 1970-01-01 to 2999-12-31."
    ]
    assert not Order.objects.exists()
