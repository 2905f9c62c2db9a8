"""No dead end in the order import: missing products created from the order lines
(import_orders --create-products, the page's checkbox for managers), and the way to
a warehouse when there is none."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import NoReverseMatch, reverse

from inventory.models import Warehouse
from orders.importing import NEW_PRODUCTS_CATEGORY
from orders.models import Order, OrderLine
from products.models import Product
from tests.sms.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "order_number,customer,order_date,sku,quantity,unit_price,product_name\n"
NEW_SKUS = (
    HEADER
    + "N-1,C-1,2024-01-10,P-1,1,100.00,\n"  # an existing product
    + "N-1,C-1,2024-01-10,new-9,2,19.999,Blue lamp\n"  # new: named, priced
    + "N-2,C-2,2024-01-11,NEW-9,1,25.00,Other name\n"  # the same new SKU again
    + "N-2,C-2,2024-01-11,NEW-10,3,5.00,\n"  # new, no name: the SKU
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file(tmp_path, text: str):
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _run(path, *args) -> str:
    out = StringIO()
    call_command("import_orders", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_unknown_skus_fail_with_the_way_out(shop, tmp_path):
    out = StringIO()
    with pytest.raises(CommandError, match="4 bad row"):
        call_command(
            "import_orders",
            str(_file(tmp_path, NEW_SKUS)),
            stdout=out,
            stderr=StringIO(),
        )
    lines = out.getvalue().splitlines()
    assert "3 rows, column sku: No product has the SKU '…'. (lines 3, 4, 5)" in lines
    assert (
        "  Fix: create the products first (import_products), or pass "
        "--create-products to create them from the order lines" in lines
    )
    assert not Order.objects.exists()


def test_create_products_creates_them_from_the_lines(shop, tmp_path):
    path = _file(tmp_path, NEW_SKUS)
    out = _run(path, "--create-products")
    assert "Products created: 2" in out
    lamp = Product.objects.get(sku="NEW-9")
    assert lamp.name == "Blue lamp"  # the product_name of its first line
    assert lamp.list_price == Decimal("20.00")  # its first line's price
    assert lamp.cost == Decimal("0.00")
    assert lamp.category.name == NEW_PRODUCTS_CATEGORY
    assert Product.objects.get(sku="NEW-10").name == "NEW-10"
    assert Order.objects.count() == 2
    line = OrderLine.objects.get(order__number="N-2", sku="NEW-9")
    assert line.product == lamp
    assert line.unit_price == Decimal("25.00")  # each line keeps its own price

    again = _run(path, "--create-products")  # idempotent
    assert "Orders already present, left unchanged: 2" in again
    assert "Products created: 0" in again
    assert Product.objects.filter(sku__startswith="NEW-").count() == 2
    assert Order.objects.count() == 2


def test_a_dry_run_with_create_products_writes_nothing(shop, tmp_path):
    out = _run(_file(tmp_path, NEW_SKUS), "--create-products", "--dry-run")
    assert "Products to create: 2" in out
    assert "Orders to create: 2" in out
    assert not Product.objects.filter(sku__startswith="NEW-").exists()
    assert not Order.objects.exists()


def test_a_new_product_only_used_by_a_bad_order_is_not_created(shop, tmp_path):
    text = (
        HEADER
        + "B-1,NOPE,2024-01-10,NEW-5,1,1.00,\n"
        + ("B-2,C-1,2024-01-10,P-1,1,1.00,\n")
    )
    out = _run(_file(tmp_path, text), "--create-products", "--good-rows-only")
    assert "Products created: 0" in out
    assert not Product.objects.filter(sku="NEW-5").exists()
    assert list(Order.objects.values_list("number", flat=True)) == ["B-2"]


def _upload(client, text: str, **data):
    return client.post(
        reverse("imports:import-upload", args=["orders"]),
        {"file": SimpleUploadedFile("o.csv", text.encode(), "text/csv"), **data},
    )


def test_managers_tick_create_products_on_the_page(manager_client, shop):
    form = manager_client.get("/imports/orders/").context["form"]
    assert "create_products" in form.fields
    plain = manager_client.get(_upload(manager_client, NEW_SKUS).url)
    [group] = [g for g in plain.context["groups"] if g.column == "sku"]
    assert "tick 'Create missing products'" in group.fix
    assert "tick &#x27;Create missing products&#x27;" in plain.content.decode()

    preview_url = _upload(manager_client, NEW_SKUS, create_products="on").url
    preview = manager_client.get(preview_url)
    assert preview.context["bad_rows"] == 0
    assert ("Products to create", 2) in preview.context["facts"]
    manager_client.post(preview_url, {"action": "import"})
    assert Product.objects.filter(sku__startswith="NEW-").count() == 2
    assert Order.objects.count() == 2


def test_without_the_right_to_add_products_the_box_is_neither_shown_nor_obeyed(
    client, shop
):
    importer = UserFactory()
    importer.user_permissions.add(Permission.objects.get(codename="import_order"))
    client.force_login(importer)
    assert (
        "create_products" not in client.get("/imports/orders/").context["form"].fields
    )
    preview_url = _upload(client, NEW_SKUS, create_products="on").url
    client.post(preview_url, {"action": "import"})
    assert not Product.objects.filter(sku__startswith="NEW-").exists()
    assert not Order.objects.exists()


def test_no_active_warehouse_says_where_to_create_one(shop, tmp_path):
    Warehouse.objects.update(is_active=False)
    text = HEADER + "W-1,C-1,2024-01-10,P-1,1,1.00,\n"
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_orders", str(_file(tmp_path, text)), stdout=out, stderr=StringIO()
        )
    output = out.getvalue()
    assert "There is no active warehouse" in output
    assert "Fix: create a warehouse (Inventory, Warehouses, New warehouse)" in output
    try:
        url = reverse("inventory:warehouse_create")
    except NoReverseMatch:  # the warehouse pages come with another branch
        url = None
    if url:
        assert f"({url})" in output
