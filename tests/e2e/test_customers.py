import datetime

import pytest
from django.utils import timezone

from customers.models import Customer, Task
from tests.sms.factories import PASSWORD, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rep_creates_a_customer_logs_a_call_and_sees_the_follow_up_task(
    page, live_server, screenshot_dir
):
    rep = RepFactory(username="rep1", first_name="Rita", last_name="Reyes")
    page.goto(f"{live_server.url}/customers/")
    page.get_by_label("Username").fill("rep1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="New customer").click()
    page.get_by_label("Name*").fill("Northwind Traders")
    page.get_by_label("Email").fill("orders@northwind.test")
    page.get_by_label("Phone").fill("+44 20 7946 0101")
    page.get_by_label("City").fill("Manchester")
    page.get_by_label("Source channel*").select_option("referral")
    page.get_by_label("Tags").fill("wholesale, vip")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Northwind Traders").wait_for()
    customer = Customer.objects.get(name="Northwind Traders")
    assert customer.owner == rep

    page.get_by_role("link", name="Log a call or note").click()
    page.get_by_label("Summary*").fill("Asked about spring prices.")
    page.get_by_label("Outcome").fill("Send a quote")
    follow_up = timezone.localdate() + datetime.timedelta(days=2)
    page.get_by_label("Follow up on").fill(follow_up.isoformat())
    page.get_by_role("button", name="Save").click()
    timeline = page.get_by_test_id("timeline")
    timeline.get_by_text("Asked about spring prices.").wait_for()
    assert "Follow up: call with Northwind Traders" in timeline.inner_text()
    page.screenshot(path=screenshot_dir / "customer-detail.png", full_page=True)

    page.get_by_test_id("nav-tasks").click()
    upcoming = page.get_by_test_id("tasks-upcoming")
    upcoming.get_by_text("Follow up: call with Northwind Traders").wait_for()
    page.screenshot(path=screenshot_dir / "my-tasks.png", full_page=True)
    assert Task.objects.get().due_on == follow_up

    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_role("link", name="Northwind Traders").wait_for()
    page.screenshot(path=screenshot_dir / "customer-list.png", full_page=True)
