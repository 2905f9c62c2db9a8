"""Stock forms posted twice move stock once."""

import pytest
from django.urls import reverse

from inventory.models import StockItem, StockMovement
from tests.inventory.factories import WarehouseFactory
from tests.products.factories import ProductFactory
from tests.sms.double_submit import posted_twice

pytestmark = pytest.mark.django_db


def test_a_receipt_posted_twice_is_received_once(manager_client):
    product = ProductFactory()
    main = WarehouseFactory(code="MAIN")
    first, second = posted_twice(
        manager_client,
        reverse("inventory:stock-receive"),
        {"product": product.pk, "warehouse": main.pk, "quantity": 5, "reference": "P"},
    )
    assert first.status_code == 302
    assert "This was already saved." in second.content.decode()
    assert StockMovement.objects.count() == 1
    assert StockItem.objects.get(product=product, warehouse=main).on_hand == 5
