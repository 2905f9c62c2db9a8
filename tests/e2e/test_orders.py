"""A rep takes an order from the customer page to a partial shipment and a payment."""

from decimal import Decimal

import pytest

from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory, stocked
from tests.products.factories import ProductFactory
from tests.sms.factories import PASSWORD, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("greeting").wait_for()


def test_rep_orders_confirms_ships_part_and_records_a_payment(
    page, live_server, screenshot_dir
):
    rep = RepFactory(username="sam", first_name="Sam")
    customer = CustomerFactory(owner=rep, name="Northwind Traders", email="")
    main = WarehouseFactory(code="MAIN", name="Main warehouse")
    toner = ProductFactory(
        sku="PRT-1010",
        name="Black toner",
        list_price=Decimal("80.00"),
        tax_rate=Decimal("20.00"),
    )
    paper = ProductFactory(
        sku="PAP-0500",
        name="A4 paper ream",
        list_price=Decimal("4.50"),
        tax_rate=Decimal("0.00"),
    )
    stocked(toner, main, 10)
    stocked(paper, main, 100)
    _log_in(page, live_server, "sam")

    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    page.get_by_test_id("purchases").get_by_role("link", name="New order").click()
    assert "Northwind Traders" in page.get_by_label("Customer").input_value()

    rows = page.locator("[data-line-row]")
    rows.nth(0).get_by_label("Product").fill("PRT-1010 · Black toner")
    rows.nth(0).get_by_label("Quantity").fill("3")
    # Live totals: 3 x 80.00 = 240.00 + 20 % tax = 288.00
    totals = page.get_by_test_id("live-totals")
    assert totals.locator('[data-total="total"]').inner_text() == "288.00 EUR"
    page.get_by_role("button", name="Add line").click()
    rows.nth(3).get_by_label("Product").fill("PAP-0500 · A4 paper ream")
    rows.nth(3).get_by_label("Quantity").fill("10")
    rows.nth(3).get_by_label("Discount percent").fill("10")
    assert totals.locator('[data-total="total"]').inner_text() == "328.50 EUR"
    page.screenshot(path=screenshot_dir / "order-form.png", full_page=True)
    page.get_by_role("button", name="Create draft order").click()

    page.get_by_text("Draft order SO-").wait_for()
    assert page.get_by_test_id("status").inner_text() == "Draft"
    assert page.get_by_test_id("total").inner_text() == "328.50 EUR"

    page.get_by_role("button", name="Confirm and reserve stock").click()
    page.get_by_text("confirmed; the stock is reserved").wait_for()
    assert page.get_by_test_id("status").inner_text() == "Confirmed"
    assert page.get_by_test_id("payment-status").inner_text() == "Unpaid"
    assert page.get_by_test_id("balance-due").inner_text() == "328.50 EUR"

    page.get_by_role("link", name="Ship", exact=True).click()
    page.get_by_label("PRT-1010 · Black toner").fill("1")
    page.get_by_label("Carrier").fill("DHL")
    page.get_by_label("Tracking number").fill("JD0146")
    page.get_by_role("button", name="Record shipment").click()
    page.get_by_text("Shipment of").first.wait_for()
    assert page.get_by_test_id("status").inner_text() == "Partially shipped"
    assert "JD0146" in page.get_by_test_id("shipments").inner_text()

    page.get_by_role("link", name="Record payment").click()
    page.get_by_label("Amount").fill("100.00")
    page.get_by_label("Method").select_option(label="Card")
    page.get_by_role("button", name="Record payment").click()
    page.get_by_text("Payment of 100.00 recorded").wait_for()
    assert page.get_by_test_id("payment-status").inner_text() == "Partially paid"
    assert page.get_by_test_id("balance-due").inner_text() == "228.50 EUR"
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "Draft → Confirmed" in timeline and "Partially shipped" in timeline
    page.screenshot(path=screenshot_dir / "order-detail.png", full_page=True)

    page.goto(f"{live_server.url}/orders/")
    assert "Partially shipped" in page.locator("table").inner_text()
    page.screenshot(path=screenshot_dir / "order-list.png", full_page=True)
