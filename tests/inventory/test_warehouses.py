"""Warehouses in the app: managers add, edit, activate and deactivate them; reps read
the list only; a warehouse holding stock or reservations stays active."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import Warehouse
from inventory.services import stock_reserve
from opportunities import services as opportunity_services
from orders.services import LineInput
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.opportunities.factories import opportunity
from tests.orders.factories import priced_product
from tests.products.factories import ProductFactory

pytestmark = pytest.mark.django_db

LIST = reverse("inventory:warehouse-list")
CREATE = reverse("inventory:warehouse_create")

# Pinned: session, user, groups (role), permissions (user's, groups': two), the
# navbar's tasks-due count (customers), the open low-stock alert count (managers'
# badge) and the warehouses with their totals: one query however many there are.
LIST_QUERIES = 8


def _update(warehouse):
    return reverse("inventory:warehouse_update", args=[warehouse.pk])


def _active(warehouse):
    return reverse("inventory:warehouse_active", args=[warehouse.pk])


def test_a_manager_adds_a_warehouse_that_then_takes_stock(manager_client):
    response = manager_client.post(
        CREATE, {"code": " east-2 ", "name": "East depot", "address": "1 Quay"}
    )
    assert response.status_code == 302
    assert response.url == LIST
    warehouse = Warehouse.objects.get()
    assert (warehouse.code, warehouse.name, warehouse.address) == (
        "EAST-2",
        "East depot",
        "1 Quay",
    )
    assert warehouse.is_active
    page = manager_client.get(LIST).content.decode()
    assert "EAST-2" in page
    assert "was added" in page
    stocked(ProductFactory(), warehouse, 4)  # an active warehouse takes stock


def test_bad_input_shows_errors_next_to_the_fields_and_saves_nothing(manager_client):
    WarehouseFactory(code="MAIN")
    response = manager_client.post(CREATE, {"code": "main", "name": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["This field is required."]
    assert Warehouse.objects.count() == 1

    response = manager_client.post(CREATE, {"code": "main", "name": "Second main"})
    assert response.context["form"].errors["code"] == [
        "Another warehouse already has the code MAIN."
    ]
    response = manager_client.post(CREATE, {"code": "A B", "name": "Spaces"})
    assert response.context["form"].errors["code"] == [
        "Use letters, digits, - and _ only."
    ]
    page = response.content.decode()
    assert 'id="error_1_id_code"' in page  # crispy puts it under the field
    assert Warehouse.objects.count() == 1


def test_a_manager_edits_a_warehouse(manager_client):
    main = WarehouseFactory(code="MAIN", name="Main")
    other = WarehouseFactory(code="EAST")
    page = manager_client.get(_update(main)).content.decode()
    assert 'value="MAIN"' in page
    response = manager_client.post(
        _update(main), {"code": "MAIN", "name": "Main hall", "address": "2 Road"}
    )
    assert response.status_code == 302
    main.refresh_from_db()
    assert (main.name, main.address) == ("Main hall", "2 Road")

    response = manager_client.post(_update(main), {"code": "east", "name": "Clash"})
    assert response.context["form"].errors["code"] == [
        "Another warehouse already has the code EAST."
    ]
    main.refresh_from_db()
    assert main.code == "MAIN"
    assert other.code == "EAST"
    assert (
        manager_client.get(
            reverse("inventory:warehouse_update", args=[999])
        ).status_code
        == 404
    )


def test_deactivate_and_activate_an_empty_warehouse(manager_client):
    main = WarehouseFactory(code="MAIN")
    manager_client.post(_active(main), {"active": "0"})
    main.refresh_from_db()
    assert not main.is_active
    manager_client.post(_active(main), {"active": "1"})
    main.refresh_from_db()
    assert main.is_active


def test_deactivating_a_warehouse_with_stock_or_reservations_is_refused(
    manager_client,
):
    main = WarehouseFactory(code="MAIN", name="Main")
    product = stocked(ProductFactory(), main, 5)
    response = manager_client.post(_active(main), {"active": "0"}, follow=True)
    assert "Main still holds 5 units: transfer or adjust them out" in (
        response.content.decode()
    )
    main.refresh_from_db()
    assert main.is_active

    stock_reserve(product=product, warehouse=main, quantity=2)
    response = manager_client.post(_active(main), {"active": "0"}, follow=True)
    assert "Main has 2 units reserved for confirmed orders" in response.content.decode()
    main.refresh_from_db()
    assert main.is_active


def test_reps_read_the_list_but_cannot_add_edit_or_deactivate(rep_client):
    main = WarehouseFactory(code="MAIN")
    page = rep_client.get(LIST).content.decode()
    assert "MAIN" in page
    assert CREATE not in page
    assert _update(main) not in page
    assert rep_client.get(CREATE).status_code == 403
    assert rep_client.post(CREATE, {"code": "X", "name": "X"}).status_code == 403
    assert rep_client.get(_update(main)).status_code == 403
    assert rep_client.post(_update(main), {"code": "Y", "name": "Y"}).status_code == 403
    assert rep_client.post(_active(main), {"active": "0"}).status_code == 403
    missing = reverse("inventory:warehouse_update", args=[main.pk + 100])
    assert rep_client.get(missing).status_code == 403
    main.refresh_from_db()
    assert (main.code, main.is_active) == ("MAIN", True)
    assert Warehouse.objects.count() == 1


def test_managers_find_the_create_page_from_the_inventory_pages(manager_client):
    WarehouseFactory(code="MAIN")
    for url in (LIST, reverse("inventory:stock-overview")):
        assert CREATE in manager_client.get(url).content.decode(), url
    page = manager_client.get(LIST).content.decode()
    assert _update(Warehouse.objects.get()) in page


def test_without_an_active_warehouse_the_stock_page_points_to_the_create_page(
    manager_client,
):
    WarehouseFactory(code="OLD", is_active=False)
    page = manager_client.get(reverse("inventory:stock-overview")).content.decode()
    assert 'data-testid="no-active-warehouse"' in page
    assert f'href="{CREATE}">Add a warehouse' in page


def test_accepting_a_quote_without_an_active_warehouse_links_to_the_create_page(
    manager_client, manager
):
    opp = opportunity(customer=CustomerFactory(owner=manager))
    quote = opportunity_services.quote_create(
        opportunity=opp,
        lines=[LineInput(priced_product("10.00"), 1)],
        valid_until=timezone.localdate() + timedelta(days=7),
        created_by=manager,
    )
    page = manager_client.get(quote.get_absolute_url()).content.decode()
    assert 'data-testid="no-active-warehouse"' in page
    assert CREATE in page
    response = manager_client.post(
        reverse("opportunities:quote-accept", args=[quote.pk]), follow=True
    )
    page = response.content.decode()
    assert "There is no active warehouse to ship from." in page
    assert f'href="{CREATE}">Add a warehouse.' in page


def test_the_list_runs_a_fixed_number_of_queries(
    manager_client, django_assert_num_queries
):
    for n in range(3):
        stocked(ProductFactory(), WarehouseFactory(code=f"W{n}"), 2)
    with django_assert_num_queries(LIST_QUERIES):
        assert manager_client.get(LIST).status_code == 200
    for n in range(3, 8):
        WarehouseFactory(code=f"W{n}", is_active=n % 2 == 0)
    with django_assert_num_queries(LIST_QUERIES):
        assert manager_client.get(LIST).status_code == 200
