from datetime import date

import pytest

from analytics import jobs
from tests.analytics.factories import billable_order
from tests.customers.factories import CustomerFactory
from tests.sms.factories import PASSWORD, ManagerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_opens_a_segment_in_the_customer_list(
    page, live_server, screenshot_dir
):
    ManagerFactory(username="boss")
    for n, days in enumerate([1, 2, 3, 200, 300, 320]):
        customer = CustomerFactory(name=f"Buyer {n}")
        for _ in range(1 + n % 3):
            billable_order(customer=customer, order_date=date(2024, 12, 31 - days % 28))
    job = jobs.job_run_inline(kind="segmentation", parameters={"as_of": "2024-12-31"})
    segment = job.customer_segments.order_by("-monetary").first().segment

    page.goto(f"{live_server.url}/analytics/segments/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name=segment, exact=True).click()
    names = (
        page.get_by_test_id("segment-customers").locator("tbody a").all_inner_texts()
    )
    page.screenshot(path=screenshot_dir / "segment-customers.png", full_page=True)
    page.get_by_test_id("open-in-customer-list").click()
    page.get_by_role("heading", name="Customers").wait_for()
    assert page.get_by_label("Segment").input_value() != ""
    listed = page.locator("table tbody td a").all_inner_texts()
    assert sorted(listed) == sorted(names)
    page.screenshot(path=screenshot_dir / "customers-by-segment.png", full_page=True)
