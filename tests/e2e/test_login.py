import pytest

from tests.sms.factories import PASSWORD, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_rep_logs_in_and_sees_the_navbar_and_a_greeting(
    page, live_server, screenshot_dir
):
    RepFactory(username="rep1", first_name="Rita", last_name="Reyes")
    _log_in(page, live_server, "rep1", PASSWORD)

    greeting = page.get_by_test_id("greeting")
    greeting.wait_for()
    assert "Rita" in greeting.inner_text()
    nav = page.get_by_role("navigation", name="Main navigation")
    for section in ("Customers", "Opportunities", "Orders", "Products", "Inventory"):
        assert nav.get_by_role("link", name=section, exact=True).is_visible()
    assert nav.get_by_role("link", name="Analytics", exact=True).is_visible()
    assert page.get_by_test_id("user-role").inner_text() == "Sales rep"
    assert nav.get_by_role("link", name="Admin").count() == 0
    page.screenshot(path=screenshot_dir / "home-rep1.png", full_page=True)

    # The user menu logs out.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Log in").wait_for()


def test_a_wrong_password_shows_the_error(page, live_server, screenshot_dir):
    RepFactory(username="rep1")
    _log_in(page, live_server, "rep1", "not-the-password")

    error = page.locator(".alert-danger, .invalid-feedback, .alert-block")
    error.first.wait_for()
    assert "Please enter a correct username and password" in page.content()
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.screenshot(path=screenshot_dir / "login-error.png", full_page=True)


def test_the_navbar_collapses_on_a_phone(browser, live_server, screenshot_dir):
    RepFactory(username="rep1")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _log_in(page, live_server, "rep1", PASSWORD)
    nav = page.get_by_role("navigation", name="Main navigation")
    customers = nav.get_by_role("link", name="Customers", exact=True)
    page.get_by_test_id("greeting").wait_for()
    assert not customers.is_visible()
    page.get_by_role("button", name="Toggle navigation").click()
    customers.wait_for(state="visible")
    page.screenshot(path=screenshot_dir / "navbar-phone.png", full_page=True)
    context.close()
