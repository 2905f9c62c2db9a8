import pytest

from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory
from tests.sms.factories import PASSWORD, ManagerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("greeting").wait_for()


def test_a_manager_receives_stock_and_sees_it_in_the_overview(
    page, live_server, screenshot_dir
):
    ManagerFactory(username="maria", first_name="Maria")
    main = WarehouseFactory(code="MAIN", name="Main warehouse")
    WarehouseFactory(code="EAST", name="East depot")
    stocked(
        ProductFactory(sku="PRT-1010", name="HP 305A black toner", reorder_point=10),
        main,
        4,
    )
    _log_in(page, live_server, "maria")

    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("link", name="Inventory").click()
    row = page.locator('tr[data-sku="PRT-1010"]')
    assert row.get_by_test_id("on-hand").inner_text() == "4"
    assert row.get_by_test_id("below-reorder").is_visible()

    page.get_by_role("link", name="Receive", exact=True).click()
    page.get_by_label("Product").select_option(label="PRT-1010 · HP 305A black toner")
    page.get_by_label("Warehouse").select_option(label="Main warehouse")
    page.get_by_label("Quantity received").fill("0")
    page.get_by_role("button", name="Receive").click()
    assert "Enter a quantity greater than zero." in page.content()
    page.screenshot(path=screenshot_dir / "inventory-receive-error.png", full_page=True)

    page.get_by_label("Quantity received").fill("25")
    page.get_by_label("Reference").fill("PO-2026-117")
    page.get_by_role("button", name="Receive").click()
    page.get_by_text("Received 25 of PRT-1010 into Main warehouse").wait_for()
    assert page.get_by_test_id("on-hand-total").inner_text() == "29"

    nav.get_by_role("link", name="Inventory").click()
    row = page.locator('tr[data-sku="PRT-1010"]')
    assert row.get_by_test_id("on-hand").inner_text() == "29"
    assert row.get_by_test_id("available").inner_text() == "29"
    assert row.get_by_test_id("below-reorder").count() == 0
    page.screenshot(path=screenshot_dir / "inventory-overview.png", full_page=True)
