"""Two managers in two browsers edit the same draft order: the second save is
refused with the first one's change shown, keeps what was typed, and a second
click saves it (the hidden version travels with the real form and its script)."""

import pytest

from tests.orders.factories import draft_order
from tests.sms.factories import PASSWORD, ManagerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("greeting").wait_for()


def test_the_second_manager_sees_the_first_change_and_saves_deliberately(
    browser, live_server, screenshot_dir
):
    ManagerFactory(username="anna", first_name="Anna")
    ManagerFactory(username="ben", first_name="Ben")
    order = draft_order(notes="")
    url = f"{live_server.url}/orders/{order.pk}/edit/"
    anna_context, ben_context = browser.new_context(), browser.new_context()
    anna, ben = anna_context.new_page(), ben_context.new_page()
    for page, name in ((anna, "anna"), (ben, "ben")):
        page.set_default_timeout(15_000)
        _log_in(page, live_server, name)
        page.goto(url)

    anna.get_by_label("Notes").fill("Deliver to the back door")
    anna.get_by_role("button", name="Save draft").click()
    anna.get_by_text(f"Order {order.number} saved.").wait_for()

    ben.locator("[data-line-row]").nth(0).get_by_label("Quantity").fill("7")
    ben.get_by_role("button", name="Save draft").click()

    errors = ben.get_by_test_id("form-errors")
    errors.wait_for()
    ben.screenshot(path=screenshot_dir / "stale-order.png", full_page=True)
    assert "changed this record since you opened it" in errors.inner_text()
    assert "Deliver to the back door (you had (empty))" in errors.inner_text()
    assert (
        ben.locator("[data-line-row]").nth(0).get_by_label("Quantity").input_value()
        == "7"
    )
    order.refresh_from_db()
    assert order.lines.get().quantity == 2

    ben.get_by_role("button", name="Save draft").click()
    ben.get_by_text(f"Order {order.number} saved.").wait_for()
    order.refresh_from_db()
    assert order.lines.get().quantity == 7
    anna_context.close()
    ben_context.close()
