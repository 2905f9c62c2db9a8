import pytest
from django.urls import reverse

from inventory.models import LowStockAlert, StockItem, StockMovement
from inventory.services import stock_reserve
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("inventory:stock-overview")
RECEIVE = reverse("inventory:stock-receive")
ADJUST = reverse("inventory:stock-adjust")
TRANSFER = reverse("inventory:stock-transfer")

# Pinned: session, user, groups (role), permissions (user's and groups'), the navbar's
# tasks-due count (customers), the active warehouses, the category filter's choices,
# the paginator's count, the page, and the demand forecasts behind the suggested
# reorder column (inventory.demand; one query, from the latest forecast run).
OVERVIEW_QUERIES = 11


@pytest.fixture
def main():
    return WarehouseFactory(code="MAIN", name="Main warehouse")


@pytest.fixture
def east():
    return WarehouseFactory(code="EAST", name="East depot")


@pytest.fixture
def product(main):
    return stocked(ProductFactory(sku="LAP-1", reorder_point=3), main, 10)


def _on_hand(product, warehouse) -> int:
    item = StockItem.objects.filter(product=product, warehouse=warehouse).first()
    return item.on_hand if item else 0


# Smoke and permissions --------------------------------------------------------------


def test_every_inventory_page_renders_for_a_manager(manager_client, product):
    for url in (
        OVERVIEW,
        OVERVIEW + "?low=true&q=lap",
        reverse("inventory:product-stock", args=[product.pk]),
        RECEIVE + f"?product={product.pk}",
        ADJUST,
        TRANSFER,
        reverse("inventory:warehouse-list"),
        reverse("inventory:alert-list"),
        reverse("inventory:alert-list") + "?state=closed",
    ):
        assert manager_client.get(url).status_code == 200, url


def test_reps_read_stock_pages(rep_client, product):
    for url in (
        OVERVIEW,
        reverse("inventory:product-stock", args=[product.pk]),
        reverse("inventory:warehouse-list"),
        reverse("inventory:alert-list"),
    ):
        response = rep_client.get(url)
        assert response.status_code == 200, url
        assert RECEIVE not in response.content.decode()  # no stock buttons


@pytest.mark.parametrize("url", [RECEIVE, ADJUST, TRANSFER])
def test_reps_cannot_open_or_post_stock_forms(rep_client, product, main, east, url):
    assert rep_client.get(url).status_code == 403
    response = rep_client.post(
        url,
        {
            "product": product.pk,
            "warehouse": main.pk,
            "from_warehouse": main.pk,
            "to_warehouse": east.pk,
            "direction": "remove",
            "quantity": 1,
            "reason": "x",
        },
    )
    assert response.status_code == 403
    assert StockMovement.objects.count() == 1  # only the fixture's receipt


def test_reps_cannot_run_the_low_stock_check(rep_client):
    response = rep_client.post(reverse("inventory:alert-check"))
    assert response.status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, product):
    for url in (
        OVERVIEW,
        RECEIVE,
        reverse("inventory:product-stock", args=[product.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(RECEIVE, {"product": product.pk})
    assert response.status_code == 302
    assert StockMovement.objects.count() == 1


def test_unknown_product_stock_page_is_404(rep_client):
    url = reverse("inventory:product-stock", args=[12345])
    assert rep_client.get(url).status_code == 404


# The forms --------------------------------------------------------------------------


def test_manager_receives_stock(manager_client, manager, product, main):
    response = manager_client.post(
        RECEIVE,
        {"product": product.pk, "warehouse": main.pk, "quantity": 5, "reference": "PO"},
    )
    assert response.status_code == 302
    assert response.url == reverse("inventory:product-stock", args=[product.pk])
    assert _on_hand(product, main) == 15
    movement = StockMovement.objects.latest("id")
    assert (movement.kind, movement.user, movement.reference) == (
        "receipt",
        manager,
        "PO",
    )
    page = manager_client.get(response.url).content.decode()
    assert "Received 5 of LAP-1 into Main warehouse; 15 on hand there now." in page


@pytest.mark.parametrize("quantity", ["0", "-3", "1.5", ""])
def test_receive_form_refuses_bad_quantities(manager_client, product, main, quantity):
    response = manager_client.post(
        RECEIVE, {"product": product.pk, "warehouse": main.pk, "quantity": quantity}
    )
    assert response.status_code == 200
    assert "quantity" in response.context["form"].errors
    assert _on_hand(product, main) == 10


def test_adjust_form_removes_with_a_reason_and_refuses_more_than_available(
    manager_client, product, main
):
    stock_reserve(product=product, warehouse=main, quantity=8)
    too_many = manager_client.post(
        ADJUST,
        {
            "product": product.pk,
            "warehouse": main.pk,
            "direction": "remove",
            "quantity": 3,
            "reason": "Damaged",
        },
    )
    assert too_many.status_code == 200
    errors = too_many.context["form"].errors["quantity"]
    assert "2 available, 3 requested" in errors[0]
    no_reason = manager_client.post(
        ADJUST,
        {
            "product": product.pk,
            "warehouse": main.pk,
            "direction": "remove",
            "quantity": 1,
            "reason": "",
        },
    )
    assert "reason" in no_reason.context["form"].errors
    assert _on_hand(product, main) == 10

    done = manager_client.post(
        ADJUST,
        {
            "product": product.pk,
            "warehouse": main.pk,
            "direction": "remove",
            "quantity": 2,
            "reason": "Damaged",
        },
    )
    assert done.status_code == 302
    assert _on_hand(product, main) == 8
    assert StockMovement.objects.latest("id").reason == "Damaged"


def test_transfer_form_errors_for_same_warehouse_and_too_many(
    manager_client, product, main, east
):
    same = manager_client.post(
        TRANSFER,
        {
            "product": product.pk,
            "from_warehouse": main.pk,
            "to_warehouse": main.pk,
            "quantity": 1,
        },
    )
    assert "to_warehouse" in same.context["form"].errors
    too_many = manager_client.post(
        TRANSFER,
        {
            "product": product.pk,
            "from_warehouse": main.pk,
            "to_warehouse": east.pk,
            "quantity": 11,
        },
    )
    assert (
        "10 available, 11 requested" in (too_many.context["form"].errors["quantity"][0])
    )
    negative = manager_client.post(
        TRANSFER,
        {
            "product": product.pk,
            "from_warehouse": main.pk,
            "to_warehouse": east.pk,
            "quantity": -1,
        },
    )
    assert "quantity" in negative.context["form"].errors
    assert (_on_hand(product, main), _on_hand(product, east)) == (10, 0)

    done = manager_client.post(
        TRANSFER,
        {
            "product": product.pk,
            "from_warehouse": main.pk,
            "to_warehouse": east.pk,
            "quantity": 4,
        },
    )
    assert done.status_code == 302
    assert (_on_hand(product, main), _on_hand(product, east)) == (6, 4)


def test_forms_preselect_from_the_query_string(manager_client, product, main):
    form = manager_client.get(
        RECEIVE + f"?product={product.pk}&warehouse={main.pk}"
    ).context["form"]
    assert form.initial["product"] == product.pk
    assert form.initial["warehouse"] == main.pk


# The overview and the history -------------------------------------------------------


def test_overview_shows_per_warehouse_stock_and_flags_low_products(
    rep_client, main, east
):
    low = stocked(ProductFactory(sku="LOW-1", reorder_point=5), main, 3)
    stocked(low, east, 2)
    stock_reserve(product=low, warehouse=east, quantity=1)
    stocked(ProductFactory(sku="OK-1", reorder_point=5), main, 50)
    ProductFactory(sku="NONE-1")  # never stocked: shows zeros

    response = rep_client.get(OVERVIEW)
    rows = {row.record.sku: row.record for row in response.context["table"].rows}
    assert rows["LOW-1"].on_hand_total == 5
    assert rows["LOW-1"].reserved_total == 1
    assert rows["LOW-1"].available_total == 4
    assert getattr(rows["LOW-1"], f"wh{main.pk}_on_hand") == 3
    assert getattr(rows["LOW-1"], f"wh{east.pk}_reserved") == 1
    assert rows["LOW-1"].is_low == 1
    assert rows["OK-1"].is_low == 0
    assert rows["NONE-1"].on_hand_total == 0
    body = response.content.decode()
    assert body.count('data-testid="below-reorder"') == 1

    only_low = rep_client.get(OVERVIEW + "?low=on").context["table"]
    assert [row.record.sku for row in only_low.rows] == ["LOW-1"]
    by_available = rep_client.get(OVERVIEW + "?sort=-available_total").context["table"]
    assert next(row.record.sku for row in by_available.rows) == "OK-1"


def _overview_queries(client, django_assert_num_queries):
    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = client.get(OVERVIEW + "?sort=category")
    assert response.status_code == 200


def test_overview_query_count_does_not_grow_with_rows(
    rep_client, main, east, django_assert_num_queries
):
    for _ in range(3):
        stocked(ProductFactory(), main, 2)
    _overview_queries(rep_client, django_assert_num_queries)
    parent = CategoryFactory()
    for _ in range(60):
        product = stocked(
            ProductFactory(category=CategoryFactory(parent=parent), reorder_point=9),
            main,
            3,
        )
        stocked(product, east, 1)
    WarehouseFactory(code="WEST")
    _overview_queries(rep_client, django_assert_num_queries)


def test_product_history_shows_running_balances(rep_client, product, main, east):
    stock_reserve(product=product, warehouse=main, quantity=2)
    stocked(product, east, 5)
    response = rep_client.get(reverse("inventory:product-stock", args=[product.pk]))
    rows = [row.record for row in response.context["movements"].rows]
    assert [r.kind for r in rows] == ["receipt", "reservation", "receipt"]
    assert [r.on_hand_after for r in rows] == [5, 10, 10]
    assert [r.total_on_hand_after for r in rows] == [15, 10, 10]
    assert [r.reserved_after for r in rows] == [0, 2, 0]
    body = response.content.decode()
    assert 'data-testid="on-hand-total">15<' in body
    assert 'data-testid="available-total">13<' in body


def test_product_history_query_count_does_not_grow(
    rep_client, product, main, django_assert_num_queries
):
    url = reverse("inventory:product-stock", args=[product.pk])
    rep_client.get(url)
    # 11: the 10 of the page and one for the demand forecasts (inventory.demand).
    with django_assert_num_queries(11) as few:
        rep_client.get(url)
    for _ in range(30):
        stocked(product, main, 1)
    with django_assert_num_queries(len(few.captured_queries)):
        rep_client.get(url)


# Alerts page ------------------------------------------------------------------------


def test_alert_page_lists_open_alerts_with_a_suggested_order(rep_client, main):
    product = stocked(
        ProductFactory(sku="LOW-1", reorder_point=10, reorder_quantity=20), main, 4
    )
    LowStockAlert.objects.create(
        product=product, available_at_open=4, reorder_point_at_open=10
    )
    response = rep_client.get(reverse("inventory:alert-list"))
    alert = response.context["alerts"][0]
    assert alert.available_now == 4
    assert alert.suggested == 26  # 20 + (10 - 4)
    assert "26 piece" in response.content.decode()


def test_manager_runs_the_check_now(manager_client, main):
    stocked(ProductFactory(reorder_point=5), main, 1)
    response = manager_client.post(reverse("inventory:alert-check"))
    assert response.status_code == 302
    assert LowStockAlert.objects.open().count() == 1
    assert manager_client.get(reverse("inventory:alert-check")).status_code == 405


def test_overview_keeps_inactive_products_while_they_hold_stock(rep_client, main):
    stocked(ProductFactory(sku="OLD-1", is_active=False), main, 2)
    ProductFactory(sku="OLD-2", is_active=False)  # no stock: hidden
    rows = rep_client.get(OVERVIEW).context["table"].rows
    assert [row.record.sku for row in rows] == ["OLD-1"]


def test_stock_of_an_inactive_product_can_be_written_off(manager_client, main):
    old = stocked(ProductFactory(sku="OLD-1", is_active=False), main, 2)
    response = manager_client.post(
        ADJUST,
        {
            "product": old.pk,
            "warehouse": main.pk,
            "direction": "remove",
            "quantity": 2,
            "reason": "Discontinued: scrapped",
        },
    )
    assert response.status_code == 302
    assert _on_hand(old, main) == 0
    receive = manager_client.post(
        RECEIVE, {"product": old.pk, "warehouse": main.pk, "quantity": 1}
    )
    assert "product" in receive.context["form"].errors
