import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from products.models import Category, Product
from tests.products.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST = reverse("products:product-list")

# Pinned: session, user, the user's groups (role), permissions (user's and groups'),
# the navbar's tasks-due count (customers), the category filter's choices, the
# paginator's count, the page of products.
LIST_QUERIES = 9


def _product_fields(category, **overrides):
    data = {
        "sku": "new-1",
        "name": "New product",
        "category": category.pk,
        "unit": "pcs",
        "list_price": "10.00",
        "cost": "6.00",
        "tax_rate": "20.00",
        "reorder_point": "2",
        "reorder_quantity": "5",
        "is_active": "on",
        "description": "",
    }
    data.update(overrides)
    return data


# Smoke and permissions --------------------------------------------------------------


def test_every_products_page_renders_for_a_manager(manager_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = ProductFactory()
    for url in (
        LIST,
        reverse("products:product-create"),
        reverse("products:product-detail", args=[product.pk]),
        reverse("products:product-update", args=[product.pk]),
        reverse("imports:import-upload", args=["products"]),
        reverse("products:category-list"),
        reverse("products:category-create"),
        reverse("products:category-update", args=[product.category.pk]),
    ):
        response = manager_client.get(url)
        assert response.status_code == 200, url


def test_reps_read_products_but_cannot_change_them(rep_client):
    product = ProductFactory(name="Readable")
    assert "Readable" in rep_client.get(LIST).content.decode()
    detail = rep_client.get(reverse("products:product-detail", args=[product.pk]))
    assert detail.status_code == 200
    assert reverse("products:product-update", args=[product.pk]) not in (
        detail.content.decode()
    )
    assert rep_client.get(reverse("products:category-list")).status_code == 200
    for url in (
        reverse("products:product-create"),
        reverse("products:product-update", args=[product.pk]),
        reverse("products:category-create"),
    ):
        assert rep_client.get(url).status_code == 403, url
    response = rep_client.post(
        reverse("products:product-update", args=[product.pk]),
        _product_fields(product.category, sku=product.sku, name="Hacked"),
    )
    assert response.status_code == 403
    product.refresh_from_db()
    assert product.name == "Readable"


def test_anonymous_users_are_sent_to_log_in(client):
    product = ProductFactory()
    for url in (LIST, reverse("products:product-detail", args=[product.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_unknown_product_is_404(rep_client):
    assert rep_client.get(reverse("products:product-detail", args=[999])).status_code
    assert (
        rep_client.get(reverse("products:product-detail", args=[999])).status_code
        == 404
    )


# Create and edit --------------------------------------------------------------------


def test_manager_creates_a_product(manager_client, manager):
    category = CategoryFactory()
    response = manager_client.post(
        reverse("products:product-create"), _product_fields(category)
    )
    product = Product.objects.get()
    assert response.status_code == 302
    assert response.url == product.get_absolute_url()
    assert product.sku == "NEW-1"
    assert product.history.get().history_user == manager


def test_product_form_shows_field_errors(manager_client):
    category = CategoryFactory()
    ProductFactory(sku="TAKEN")
    response = manager_client.post(
        reverse("products:product-create"),
        _product_fields(category, sku="taken", list_price="-1", cost="abc"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "sku" in form.errors
    assert "list_price" in form.errors
    assert "cost" in form.errors
    assert Product.objects.count() == 1


def test_editing_the_price_shows_in_the_price_history(manager_client):
    product = ProductFactory(list_price=Decimal("10.00"), cost=Decimal("5.00"))
    response = manager_client.post(
        reverse("products:product-update", args=[product.pk]),
        _product_fields(
            product.category, sku=product.sku, list_price="12.50", cost="5.00"
        ),
    )
    assert response.status_code == 302
    detail = manager_client.get(product.get_absolute_url()).content.decode()
    assert "10.00 EUR</s> → 12.50 EUR" in detail
    assert "7.50 EUR" in detail  # margin
    assert "60.0 % of the price" in detail


def test_manager_creates_categories_in_two_levels(manager_client):
    response = manager_client.post(
        reverse("products:category-create"), {"name": "Computers", "description": ""}
    )
    assert response.status_code == 302
    top = Category.objects.get()
    manager_client.post(
        reverse("products:category-create"),
        {"name": "Laptops", "parent": top.pk, "description": ""},
    )
    child = Category.objects.get(name="Laptops")
    assert child.parent == top
    # A subcategory is not offered as a parent: two levels at most.
    response = manager_client.post(
        reverse("products:category-create"),
        {"name": "Gaming", "parent": child.pk, "description": ""},
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    listing = manager_client.get(reverse("products:category-list")).content.decode()
    assert "Computers" in listing and "Laptops" in listing


# The list ---------------------------------------------------------------------------


def test_list_searches_filters_and_sorts(rep_client):
    laptops = CategoryFactory(name="Laptops", parent=CategoryFactory(name="IT"))
    ProductFactory(sku="A-1", name="ThinkPad", category=laptops)
    ProductFactory(sku="B-1", name="Paper", list_price=Decimal("5.00"))
    ProductFactory(sku="C-1", name="Old pad", is_active=False)

    def skus(query):
        table = rep_client.get(LIST + query).context["table"]
        return [row.record.sku for row in table.paginated_rows]

    assert skus("?q=pad") == ["A-1", "C-1"]
    assert skus(f"?category={laptops.parent_id}") == ["A-1"]  # includes children
    assert skus("?status=inactive") == ["C-1"]
    assert skus("?sort=list_price") == ["B-1", "A-1", "C-1"]
    assert skus("?sort=-sku") == ["C-1", "B-1", "A-1"]
    assert skus("?sort=margin_ratio&q=pad") in (["A-1", "C-1"], ["C-1", "A-1"])


def test_list_paginates_by_50(rep_client):
    ProductFactory.create_batch(55)
    first = rep_client.get(LIST)
    assert len(first.context["table"].page.object_list) == 50
    assert "1\u201350 of 55" in first.content.decode()
    second = rep_client.get(LIST + "?page=2")
    assert len(second.context["table"].page.object_list) == 5


def _list_queries(client, django_assert_num_queries):
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST + "?sort=category")
    assert response.status_code == 200


def test_list_query_count_does_not_grow_with_rows(
    rep_client, django_assert_num_queries
):
    ProductFactory.create_batch(3)
    _list_queries(rep_client, django_assert_num_queries)
    parent = CategoryFactory()
    for _ in range(60):
        ProductFactory(category=CategoryFactory(parent=parent))
    _list_queries(rep_client, django_assert_num_queries)


# Export -----------------------------------------------------------------------------


def test_csv_export_has_every_filtered_row_and_escapes_formulas(rep_client):
    ProductFactory(sku="F-1", name='=HYPERLINK("http://evil","x")', cost=1)
    ProductFactory(sku="F-2", name="+cmd", description="@SUM(A1)")
    ProductFactory(sku="Z-1", name="Not matching")
    response = rep_client.get(LIST + "?q=F-&export=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="products.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(__import__("csv").reader(io.StringIO(text)))
    assert rows[0][:5] == ["sku", "name", "category", "unit", "list_price"]
    assert [r[0] for r in rows[1:]] == ["F-1", "F-2"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil","x")'
    assert rows[2][1] == "'+cmd"
    assert rows[2][-1] == "'@SUM(A1)"
    assert rows[1][6] == "99.00"  # margin: a number, not escaped


def test_xlsx_export_escapes_formulas_and_keeps_numbers(rep_client):
    ProductFactory(sku="X-1", name="-2+3", list_price=Decimal("12.50"))
    response = rep_client.get(LIST + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "sku"
    assert rows[1][1] == "'-2+3"
    assert rows[1][4] == Decimal("12.50") or rows[1][4] == 12.5


def test_unknown_export_format_is_404(rep_client):
    assert rep_client.get(LIST + "?export=pdf").status_code == 404
