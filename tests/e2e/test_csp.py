"""The Content-Security-Policy holds on every main page, for a manager and a rep: no
violation reported, no console error, and the scripted bits still work."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.jobs import job_run_inline, job_start
from analytics.models import JobRun
from opportunities import services as opportunity_services
from orders.services import LineInput
from tests.analytics.factories import billable_order
from tests.analytics.report_data import sales_dataset
from tests.customers.factories import CustomerFactory
from tests.opportunities.factories import opportunity
from tests.sms.factories import PASSWORD, AdminFactory, ManagerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Each `securitypolicyviolation` event is kept on the window, to read after a load.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watch:
    """Console errors and uncaught exceptions of a page, as they happen."""

    def __init__(self, page):
        self.errors = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"exception: {exc}"))

    def _console(self, msg) -> None:
        # The site has no favicon; the browser asking for one is no page's fault.
        if msg.type == "error" and not msg.location["url"].endswith("/favicon.ico"):
            self.errors.append(msg.text)


def _visit(page, live_server, watch, path):
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, path
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__csp")
    assert violations == [], (path, violations)
    assert watch.errors == [], (path, watch.errors)


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("greeting").wait_for()


@pytest.fixture
def data():
    sales = sales_dataset()
    deal = opportunity(customer=sales.c1, owner=sales.rep1, title="Printer fleet")
    quote = opportunity_services.quote_create(
        opportunity=deal,
        lines=[LineInput(sales.a, 2)],
        valid_until=timezone.localdate() + timedelta(days=14),
        created_by=sales.rep1,
        notes="Delivery within two weeks.",
    )
    # Run in-process at once (no broker in tests), as the forecast page starts it.
    job = job_start(
        kind=JobRun.Kind.FORECAST,
        parameters={"as_of": "2026-04-30", "horizon": 6},
        user=sales.manager,
    )
    job.refresh_from_db()
    # A failed job has no chart: the forecast page would be checked without one.
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    return sales, deal, quote, job


def _pages(sales, deal, quote, job, *, manager: bool) -> list[str]:
    order = sales.orders["O1"]
    pages = [
        reverse("home"),
        reverse("customers:customer-list"),
        sales.c1.get_absolute_url(),
        reverse("customers:task-list"),
        reverse("products:product-list"),
        reverse("products:product-detail", args=[sales.a.pk]),
        reverse("inventory:stock-overview"),
        reverse("inventory:alert-list"),
        reverse("orders:order-list"),
        order.get_absolute_url(),
        reverse("orders:order-create") + f"?customer={sales.c1.pk}",
        reverse("orders:order-invoice", args=[order.pk]),
        reverse("opportunities:opportunity-list"),
        reverse("opportunities:board"),
        reverse("opportunities:pipeline"),
        deal.get_absolute_url(),
        reverse("opportunities:quote-create", args=[deal.pk]),
        reverse("opportunities:quote-detail", args=[quote.pk]),
        reverse("opportunities:quote-print", args=[quote.pk]),
        reverse("opportunities:opportunity-create"),
        reverse("customers:customer-create"),
        reverse("customers:interaction-create", args=[sales.c1.pk]),
        reverse("orders:order-update", args=[sales.orders["O4"].pk]),
        reverse("orders:payment-create", args=[order.pk]),
        reverse("password_change"),
    ]
    if manager:
        pages += [
            reverse("analytics:index"),
            reverse("analytics:report-list"),
            reverse("analytics:report", args=["sales"]),
            reverse("analytics:jobrun-list"),
            reverse("analytics:jobrun-detail", args=[job.pk]),
            reverse("analytics:segment-overview"),
            reverse("analytics:forecast"),
            reverse("analytics:value-report"),
            reverse("analytics:driver-list"),
            reverse("analytics:driver-create"),
            reverse("products:product-create"),
            reverse("inventory:stock-receive"),
            reverse("inventory:stock-transfer"),
            reverse("imports:import-upload", args=["customers"]),
        ]
    return pages


def test_manager_pages_pass_the_policy_and_their_scripts_work(page, live_server, data):
    sales, deal, quote, job = data
    watch = Watch(page)
    # The public pages first, before logging in.
    for path in (reverse("login"), reverse("opportunities:lead-form")):
        _visit(page, live_server, watch, path)
    _log_in(page, live_server, "boss")
    for path in _pages(sales, deal, quote, job, manager=True):
        _visit(page, live_server, watch, path)

    # Reports' period picker (static/analytics/reports.js).
    _visit(page, live_server, watch, reverse("analytics:index"))
    page.get_by_label("From", exact=True).fill("2026-03-01")
    assert page.get_by_label("Period").input_value() == "custom"

    # The customer list's "select all" box (static/customers/customer_list.js).
    _visit(page, live_server, watch, reverse("customers:customer-list"))
    page.get_by_label("Select all").check()
    boxes = page.locator('input[name="customers"]')
    assert boxes.count() == 2
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert watch.errors == []


def test_rep_pages_pass_the_policy_and_their_scripts_work(page, live_server, data):
    sales, deal, quote, job = data
    watch = Watch(page)
    _log_in(page, live_server, "rep_one")
    for path in _pages(sales, deal, quote, job, manager=False):
        _visit(page, live_server, watch, path)

    # The order form adds a line (static/orders/order_form.js).
    _visit(page, live_server, watch, reverse("orders:order-create"))
    rows = page.locator("[data-line-row]")
    before = rows.count()
    page.get_by_role("button", name="Add line").click()
    assert rows.count() == before + 1

    # data-confirm asks first (static/js/confirm.js): dismissed, the order stays.
    order = sales.orders["O4"]  # a draft of rep one's
    _visit(page, live_server, watch, order.get_absolute_url())
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="Cancel order").click()
    assert questions == [f"Cancel order {order.number}?"]
    assert page.get_by_test_id("status").inner_text() == "Draft"
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Cancel order").click()
    page.get_by_test_id("status").filter(has_text="Cancelled").wait_for()
    assert watch.errors == []


def test_segment_pages_and_their_svg_charts_pass_the_policy(page, live_server):
    ManagerFactory(username="boss")
    for n, days in enumerate([1, 2, 3, 200, 300, 320]):
        customer = CustomerFactory(name=f"Buyer {n}")
        for _ in range(1 + n % 3):
            billable_order(customer=customer, order_date=date(2024, 12, 31 - days % 28))
    job = job_run_inline(kind="segmentation", parameters={"as_of": "2024-12-31"})
    segment = job.customer_segments.order_by("-monetary").first()
    watch = Watch(page)
    _log_in(page, live_server, "boss")

    _visit(page, live_server, watch, reverse("analytics:segment-overview"))
    charts = page.locator('img[src*="/analytics/segments/charts/"]')
    assert charts.count() == 2
    for n in range(charts.count()):
        assert charts.nth(n).evaluate("img => img.complete && img.naturalWidth > 0")
    page.get_by_role("link", name=segment.segment, exact=True).click()
    page.get_by_test_id("segment-customers").wait_for()
    assert page.evaluate("window.__csp") == []
    assert watch.errors == []


def test_admin_pages_pass_the_policy(page, live_server):
    admin = AdminFactory(username="root")
    customer = CustomerFactory(name="Alpha Ltd")
    watch = Watch(page)
    _log_in(page, live_server, "root")
    for path in (
        reverse("admin:index"),
        reverse("admin:customers_customer_changelist"),
        reverse("admin:customers_customer_change", args=[customer.pk]),
        reverse("admin:auth_user_change", args=[admin.pk]),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:customers_customer_export"),
    ):
        _visit(page, live_server, watch, path)
    # django-import-export's "select all fields" box: its inline handler still runs.
    fields = page.locator('input[type="checkbox"][name^="customerresource_"]')
    assert fields.count() > 3
    page.locator("input[onchange]").uncheck()
    assert not any(fields.nth(i).is_checked() for i in range(fields.count()))
    assert page.evaluate("window.__csp") == []
