from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Customer
from opportunities import services
from opportunities.models import (
    AssignmentRule,
    AssignmentSettings,
    LostReason,
    Opportunity,
    Quote,
    Stage,
)
from opportunities.selectors import weighted_pipeline
from orders.models import Order
from orders.services import LineInput
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import WarehouseFactory
from tests.opportunities.factories import opportunity
from tests.orders.factories import priced_product
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _stages(opp):
    return [(c.from_stage, c.to_stage) for c in opp.stage_changes.all()]


def test_every_move_is_recorded_with_who_and_when():
    opp = opportunity()
    user = opp.owner
    services.opportunity_move(opportunity=opp, to_stage=Stage.QUALIFIED, user=user)
    services.opportunity_move(opportunity=opp, to_stage=Stage.PROPOSAL, user=user)
    services.opportunity_move(opportunity=opp, to_stage=Stage.PROPOSAL, user=user)
    assert _stages(opp) == [
        ("", "lead"),
        ("lead", "qualified"),
        ("qualified", "proposal"),
    ]
    assert all(c.user == user for c in opp.stage_changes.all()[1:])
    opp.refresh_from_db()
    assert opp.probability == 50


def test_lost_needs_a_reason_and_reopening_clears_it():
    opp = opportunity()
    with pytest.raises(ValidationError, match="why"):
        services.opportunity_move(opportunity=opp, to_stage=Stage.LOST, user=None)
    opp.refresh_from_db()
    assert opp.stage == Stage.LEAD
    reason = LostReason.objects.get_or_create(name="Price too high")[0]
    services.opportunity_move(
        opportunity=opp, to_stage=Stage.LOST, user=None, lost_reason=reason
    )
    opp.refresh_from_db()
    assert (opp.stage, opp.lost_reason, opp.probability) == (Stage.LOST, reason, 0)
    assert opp.closed_at is not None
    services.opportunity_move(opportunity=opp, to_stage=Stage.NEGOTIATION, user=None)
    opp.refresh_from_db()
    assert opp.lost_reason is None and opp.closed_at is None


def test_qualifying_a_lead_makes_the_customer_and_contact():
    RepFactory()
    lead = opportunity(lead=True, source_channel="event")
    assert lead.customer is None and lead.owner is not None
    services.opportunity_move(opportunity=lead, to_stage=Stage.QUALIFIED, user=None)
    lead.refresh_from_db()
    customer = lead.customer
    assert customer.name == "Lead Co" and customer.owner == lead.owner
    assert customer.source_channel == "event"
    assert customer.contacts.get().email == "lee@lead.example"


def _quote(opp, *lines):
    lines = lines or (LineInput(priced_product("10.00", tax="20"), 3),)
    return services.quote_create(
        opportunity=opp,
        lines=lines,
        valid_until=timezone.localdate() + timedelta(days=14),
        created_by=opp.owner,
    )


def test_accepting_a_quote_wins_and_makes_exactly_one_matching_order():
    WarehouseFactory(code="MAIN")
    opp = opportunity()
    quote = _quote(
        opp,
        LineInput(priced_product("10.00", tax="20"), 3, discount_percent=D("5")),
        LineInput(priced_product("0.50", tax="0"), 7, unit_price=D("0.335")),
    )
    order = services.quote_accept(quote=quote, user=opp.owner)
    again = services.quote_accept(quote=quote, user=opp.owner)

    assert again == order
    assert Order.objects.count() == 1
    assert order.status == Order.Status.DRAFT and order.customer == opp.customer
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED and quote.order == order
    fields = ("sku", "quantity", "unit_price", "discount_percent", "net_amount")
    assert list(order.lines.order_by("position").values_list(*fields)) == list(
        quote.lines.order_by("position").values_list(*fields)
    )
    assert (order.net_total, order.tax_total, order.total) == (
        quote.net_total,
        quote.tax_total,
        quote.total,
    )
    opp.refresh_from_db()
    assert opp.stage == Stage.WON and opp.amount == quote.net_total


def test_expired_and_rejected_quotes_cannot_be_accepted():
    opp = opportunity()
    quote = _quote(opp)
    services.quote_reject(quote=quote, user=None)
    with pytest.raises(ValidationError):
        services.quote_accept(quote=quote, user=None)
    other = _quote(opp)
    assert services.quotes_expire(today=timezone.localdate() + timedelta(days=15)) == 1
    other.refresh_from_db()
    assert other.status == Quote.Status.EXPIRED
    assert not Order.objects.exists()


def test_weighted_pipeline_on_a_known_set():
    rep_a, rep_b = RepFactory(), RepFactory()
    month = timezone.localdate().replace(day=1) + timedelta(days=40)
    month = month.replace(day=10)
    opportunity(owner=rep_a, amount=D("1000.00"), expected_close_date=month)  # 10 %
    opp = opportunity(owner=rep_b, amount=D("2000.00"), expected_close_date=month)
    services.opportunity_move(opportunity=opp, to_stage=Stage.PROPOSAL, user=None)
    lost = opportunity(owner=rep_b, amount=D("9999.00"), expected_close_date=month)
    services.opportunity_move(
        opportunity=lost, to_stage=Stage.LOST, user=None, lost_note="gone"
    )
    rows = weighted_pipeline(queryset=Opportunity.objects.all())
    row = next(r for r in rows if r["month"] == month.replace(day=1))
    assert row["weighted"] == D("1100.00")  # 1000 x 10 % + 2000 x 50 %
    assert row["amount"] == D("3000.00")
    assert row["by_rep"] == {rep_a.pk: D("100.00"), rep_b.pk: D("1000.00")}


def test_round_robin_is_fair_and_skips_inactive_reps():
    reps = [RepFactory() for _ in range(3)]
    inactive = RepFactory(is_active=False)
    AssignmentSettings.objects.update_or_create(
        pk=AssignmentSettings.objects.first().pk
        if AssignmentSettings.objects.exists()
        else None,
        defaults={"rule": AssignmentRule.ROUND_ROBIN},
    )
    leads = [opportunity(lead=True, lead_company=f"Co {n}") for n in range(12)]
    counts = Counter(lead.owner for lead in leads)
    assert counts == dict.fromkeys(reps, 4)
    assert inactive not in counts
    assert {a.rule for lead in leads for a in lead.assignments.all()} == {
        AssignmentRule.ROUND_ROBIN
    }


def test_customer_owner_rule_gives_the_lead_to_the_customers_rep():
    RepFactory()
    customer = CustomerFactory()
    opp = services.opportunity_create(
        title="Upsell", customer=customer, created_by=None
    )
    assert opp.owner == customer.owner
    assert opp.assignments.get().rule == AssignmentRule.CUSTOMER_OWNER
    assert Customer.objects.count() == 1


def test_opportunities_move_with_a_customer_merge():
    from customers.services import customer_merge
    from tests.sms.factories import ManagerFactory

    survivor, merged = CustomerFactory(), CustomerFactory()
    opp = opportunity(customer=merged)
    record = customer_merge(
        survivor=survivor, merged=merged, merged_by=ManagerFactory()
    )
    opp.refresh_from_db()
    assert opp.customer == survivor
    assert record.moved["opportunities"] == 1


def test_quotes_of_a_closed_opportunity_cannot_be_changed_or_sent():
    opp = opportunity(customer=CustomerFactory(email="buyer@example.com"))
    quote = _quote(opp)
    services.opportunity_move(
        opportunity=opp, to_stage=Stage.LOST, user=None, lost_note="Went quiet"
    )
    with pytest.raises(ValidationError, match="closed"):
        services.quote_update(
            quote=quote,
            lines=[LineInput(priced_product("1.00"), 1)],
            valid_until=quote.valid_until,
            user=None,
        )
    with pytest.raises(ValidationError, match="closed"):
        services.quote_send(quote=quote, user=None)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT
