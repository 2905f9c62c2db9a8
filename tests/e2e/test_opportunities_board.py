"""A rep works the pipeline board: drags a card from Qualified to Proposal, marks
another deal lost with a reason, finds the moves in the history, then quotes the
first deal, accepts the quote and lands on the new draft order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from opportunities import services
from opportunities.models import LostReason, Opportunity, Stage
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.opportunities.factories import opportunity
from tests.orders.factories import priced_product
from tests.sms.factories import PASSWORD, RepFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("greeting").wait_for()


def test_rep_drags_a_card_from_qualified_to_proposal(page, live_server, screenshot_dir):
    rep = RepFactory(username="sam", first_name="Sam", last_name="Seller")
    customer = CustomerFactory(owner=rep, name="Northwind Traders")
    today = timezone.localdate()
    deal = opportunity(
        owner=rep,
        customer=customer,
        title="Printer fleet",
        amount=Decimal("4000.00"),
        expected_close_date=today + timedelta(days=20),
    )
    services.opportunity_move(opportunity=deal, to_stage=Stage.QUALIFIED, user=rep)
    other = opportunity(
        owner=rep,
        title="Toner contract",
        amount=Decimal("1500.00"),
        expected_close_date=today - timedelta(days=2),
    )
    services.opportunity_move(opportunity=other, to_stage=Stage.QUALIFIED, user=rep)
    opportunity(owner=rep, title="Paper deal", lead=True, lead_company="Paper Co")
    LostReason.objects.get_or_create(name="Price too high")
    WarehouseFactory(code="MAIN", name="Main warehouse")
    priced_product("1000.00", tax="20", sku="PRT-2020", name="Colour laser printer")
    _log_in(page, live_server, "sam")

    page.goto(f"{live_server.url}/opportunities/board/")
    assert page.get_by_test_id("count-qualified").inner_text() == "2"
    assert page.get_by_test_id("count-proposal").inner_text() == "0"
    page.screenshot(path=screenshot_dir / "opportunity-board.png", full_page=True)

    card = page.get_by_test_id(f"card-{deal.pk}")
    card.drag_to(page.get_by_test_id("column-proposal"))
    page.get_by_text("“Printer fleet” moved to Proposal.").wait_for()
    assert page.get_by_test_id("count-qualified").inner_text() == "1"
    assert page.get_by_test_id("count-proposal").inner_text() == "1"
    assert page.get_by_test_id("amount-proposal").inner_text() == "4,000.00 EUR"
    assert page.get_by_test_id("amount-qualified").inner_text() == "1,500.00 EUR"
    proposal = page.get_by_test_id("column-proposal")
    assert proposal.get_by_test_id(f"card-{deal.pk}").is_visible()
    deal.refresh_from_db()
    assert deal.stage == Stage.PROPOSAL

    # Lost asks why first; without a reason nothing moves.
    page.get_by_test_id(f"card-{other.pk}").drag_to(page.get_by_test_id("zone-lost"))
    dialog = page.locator("#lost-modal")
    dialog.get_by_role("button", name="Mark lost").click()
    dialog.get_by_text("Pick a reason or say why").wait_for()
    page.screenshot(path=screenshot_dir / "opportunity-board-lost.png")
    dialog.get_by_label("Reason").select_option(label="Price too high")
    dialog.get_by_role("button", name="Mark lost").click()
    page.get_by_text("“Toner contract” moved to Lost.").wait_for()
    assert page.get_by_test_id("count-qualified").inner_text() == "0"
    assert page.get_by_test_id(f"card-{other.pk}").count() == 0
    other = Opportunity.objects.get(pk=other.pk)
    assert other.stage == Stage.LOST and other.lost_reason.name == "Price too high"

    page.goto(f"{live_server.url}{deal.get_absolute_url()}")
    history = page.get_by_test_id("history")
    entry = history.get_by_test_id("history-entry").first
    assert "Qualified" in entry.inner_text() and "Proposal" in entry.inner_text()
    assert "Sam Seller" in entry.inner_text()
    page.screenshot(path=screenshot_dir / "opportunity-detail.png", full_page=True)

    # Quote the deal and accept it: the draft order carries the same lines.
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("quotes-card").get_by_role("link", name="New quote").click()
    row = page.locator("[data-line-row]").first
    row.get_by_label("Product").fill("PRT-2020 · Colour laser printer")
    row.get_by_label("Quantity").fill("2")
    assert page.locator('[data-total="total"]').inner_text() == "2,400.00 EUR"
    page.get_by_role("button", name="Create draft quote").click()
    page.get_by_role("button", name="Accept (make order)").click()
    page.get_by_test_id("status").wait_for()
    assert "/orders/" in page.url
    assert page.get_by_test_id("status").inner_text() == "Draft"
    assert page.get_by_test_id("total").inner_text() == "2,400.00 EUR"
    assert "PRT-2020" in page.get_by_test_id("lines").inner_text()
    page.screenshot(path=screenshot_dir / "order-from-quote.png", full_page=True)
    deal.refresh_from_db()
    assert deal.stage == Stage.WON

    page.goto(f"{live_server.url}/opportunities/")
    page.screenshot(path=screenshot_dir / "opportunity-list.png", full_page=True)
    page.goto(f"{live_server.url}/opportunities/pipeline/")
    page.screenshot(path=screenshot_dir / "opportunity-pipeline.png", full_page=True)
    page.goto(f"{live_server.url}/opportunities/new/?customer={customer.pk}")
    page.screenshot(path=screenshot_dir / "opportunity-form.png", full_page=True)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    page.screenshot(path=screenshot_dir / "customer-opportunities.png", full_page=True)
