"""Double clicks in the browser: the submit button disables, one record is made."""

import time
from urllib.parse import urlsplit

import pytest

from customers import services as customer_services
from customers.models import Customer
from orders import services as order_services
from orders.models import Order
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.products.factories import ProductFactory
from tests.sms.factories import PASSWORD, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("greeting").wait_for()


def _slow(monkeypatch, module, name: str, seconds: float = 1.0) -> None:
    """The live server (a thread of this process) takes its time to save, as a
    busy server does: long enough for a second click while the first post runs."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def _click_twice(page, button) -> None:
    """Two real mouse clicks 0.3 s apart, wherever the button is (no waiting for
    it to be enabled, as a user's second click does not wait)."""
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)


def _posts_to(page, path: str) -> list:
    posts = []
    page.on(
        "request",
        lambda request: (
            posts.append(request)
            if request.method == "POST" and urlsplit(request.url).path == path
            else None
        ),
    )
    return posts


def test_a_double_clicked_new_customer_posts_once_and_back_re_enables(
    page, live_server, monkeypatch
):
    _slow(monkeypatch, customer_services, "customer_create")
    RepFactory(username="rep1")
    _log_in(page, live_server, "rep1")
    page.goto(f"{live_server.url}/customers/new/")
    posts = _posts_to(page, "/customers/new/")
    page.get_by_label("Name*").fill("Northwind Traders")
    page.get_by_label("Source channel*").select_option("referral")
    _click_twice(page, page.get_by_role("button", name="Save"))
    page.get_by_role("heading", name="Northwind Traders").wait_for()
    assert Customer.objects.count() == 1
    assert len(posts) == 1

    page.go_back()
    page.get_by_label("Name*").wait_for()
    assert page.get_by_role("button", name="Save").is_enabled()


def test_a_double_clicked_create_order_makes_one_draft(page, live_server, monkeypatch):
    _slow(monkeypatch, order_services, "order_create")
    rep = RepFactory(username="sam")
    customer = CustomerFactory(owner=rep, name="Northwind Traders", email="")
    WarehouseFactory(code="MAIN", name="Main warehouse")
    ProductFactory(sku="PRT-1010", name="Black toner")
    _log_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/orders/new/?customer={customer.pk}")
    posts = _posts_to(page, "/orders/new/")
    row = page.locator("[data-line-row]").nth(0)
    row.get_by_label("Product").fill("PRT-1010 · Black toner")
    row.get_by_label("Quantity").fill("3")
    _click_twice(page, page.get_by_role("button", name="Create draft order"))
    page.get_by_text("Draft order SO-").wait_for()
    assert Order.objects.count() == 1
    assert len(posts) == 1


def test_the_clicked_buttons_name_and_value_are_still_posted(page, live_server):
    RepFactory(username="rep1")
    _log_in(page, live_server, "rep1")
    page.goto(f"{live_server.url}/customers/new/")
    posts = _posts_to(page, "/customers/new/")
    # A named submit button, as the import previews have ("action=import").
    page.evaluate(
        """() => {
            const button = document.createElement("button");
            button.name = "probe";
            button.value = "yes";
            button.textContent = "Probe";
            document.querySelector("form.card").appendChild(button);
        }"""
    )
    page.get_by_role("button", name="Probe").click()
    page.get_by_label("Name*").wait_for()  # the form again, with its errors
    assert "probe=yes" in posts[0].post_data
