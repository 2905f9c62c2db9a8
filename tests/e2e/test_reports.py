"""A manager opens the dashboard, changes the period and downloads a report."""

import csv
import io
from pathlib import Path

import pytest

from tests.analytics.report_data import sales_dataset
from tests.sms.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_changes_the_period_and_downloads_the_sales_report(
    page, live_server, screenshot_dir
):
    sales_dataset()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("greeting").wait_for()

    page.get_by_role("link", name="Analytics", exact=True).click()
    page.get_by_role("heading", name="Dashboard").wait_for()
    # The heading can be parsed before the page's script has run; the dates typed
    # before it would not switch the period.
    page.wait_for_load_state("load")
    # Typing dates switches the period to a custom range (static/analytics/reports.js).
    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-03-31")
    assert page.get_by_label("Period").input_value() == "custom"
    page.get_by_role("button", name="Apply").click()
    page.get_by_test_id("period-shown").filter(has_text="1 Mar 2026").wait_for()

    revenue = page.locator('[data-kpi="revenue"]')
    assert revenue.get_by_test_id("kpi-value").inner_text() == "305.00 EUR"
    assert "vs 20.00 EUR" in revenue.get_by_test_id("kpi-change").inner_text()
    assert page.locator('[data-chart="monthly"] svg [id^="bar-0-"]').count() == 12
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)

    # The monthly chart's report keeps the period.
    page.locator('[data-chart="monthly"]').get_by_role("link", name="Report").click()
    page.get_by_role("heading", name="Sales", exact=True).wait_for()
    page.get_by_label("Per", exact=True).select_option("month")
    page.get_by_role("button", name="Apply").click()
    table = page.get_by_test_id("report-table")
    table.locator("tfoot").filter(has_text="305.00 EUR").wait_for()

    with page.expect_download() as download_info:
        page.get_by_test_id("download-csv").click()
    download = download_info.value
    assert download.suggested_filename == "sales-sales-2026-03-01-2026-03-31.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Period", "Revenue", "Orders", "Units", "Average order value"]
    assert rows[1] == ["Mar 2026", "305.00", "2", "6", "152.50"]
    assert rows[-1] == ["Total", "305.00", "2", "6", "152.50"]
    page.screenshot(path=screenshot_dir / "sales-report.png", full_page=True)
