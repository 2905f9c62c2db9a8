import pytest
from django.urls import reverse

from inventory.models import LowStockAlert, StockItem
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory
from tests.sms.factories import AdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


@pytest.fixture
def item():
    product = stocked(
        ProductFactory(sku="ADM-1", reorder_point=5), WarehouseFactory(), 2
    )
    return StockItem.objects.get(product=product)


@pytest.mark.parametrize(
    "model",
    [
        "inventory_warehouse",
        "inventory_stockitem",
        "inventory_stockmovement",
        "inventory_lowstockalert",
        "products_product",
        "products_category",
    ],
)
def test_every_model_is_in_the_admin_searchable(admin_client, item, model):
    url = reverse(f"admin:{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url + "?q=ADM").status_code == 200


def test_stock_rows_are_read_only_in_the_admin(admin_client, item):
    assert admin_client.get(reverse("admin:inventory_stockitem_add")).status_code == 403
    change_url = reverse("admin:inventory_stockitem_change", args=[item.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert 'name="on_hand"' not in page.content.decode()
    admin_client.post(change_url, {"on_hand": 99, "reserved": 0})
    item.refresh_from_db()
    assert item.on_hand == 2
    listing = admin_client.get(reverse("admin:inventory_stockitem_changelist"))
    assert reverse("inventory:stock-receive") in listing.content.decode()


def test_movements_cannot_be_added_or_deleted_in_the_admin(admin_client, item):
    movement = item.product.stock_movements.get()
    assert (
        admin_client.get(reverse("admin:inventory_stockmovement_add")).status_code
        == 403
    )
    url = reverse("admin:inventory_stockmovement_delete", args=[movement.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403


def test_admin_action_runs_the_low_stock_check(admin_client, item):
    other = LowStockAlert.objects.create(
        product=ProductFactory(), available_at_open=0, reorder_point_at_open=1
    )
    response = admin_client.post(
        reverse("admin:inventory_lowstockalert_changelist"),
        {"action": "run_low_stock_check", "_selected_action": [other.pk]},
    )
    assert response.status_code == 302
    assert LowStockAlert.objects.open().filter(product=item.product).exists()


def test_admin_product_export_escapes_formulas(admin_client):
    ProductFactory(sku="X-1", name="=1+1", description="@cmd")
    response = admin_client.post(
        reverse("admin:products_product_export"),
        {
            "format": "0",
            "resource": "0",
            **{
                f"productresource_{f}": "on"
                for f in ("sku", "name", "category", "list_price", "description")
            },
        },
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "X-1" in text
    assert "'=1+1" in text
    assert "'@cmd" in text
