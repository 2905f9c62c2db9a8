# ruff: noqa: S311 - seeded demo data, not secrets
"""The demo pipeline: reproducible, idempotent, with consistent stage histories,
lost reasons, and won deals whose accepted quotes are the customers' orders.

Customers and a year of orders are seeded once for the module, inside a
transaction rolled back at the end; the pipeline is seeded three times (twice in
savepoints rolled back, for reproducibility) and each test runs in a savepoint.
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from customers.models import Customer
from demo.customers import customers_seed
from demo.inventory import inventory_demo_create
from demo.opportunities import PER_CUSTOMER, opportunities_seed
from demo.orders import orders_seed
from demo.products import products_demo_create
from opportunities.models import (
    OPEN_STAGES,
    STAGE_PROBABILITY,
    LeadAssignment,
    LostReason,
    Opportunity,
    Quote,
    QuoteLine,
    StageChange,
)
from orders.models import OrderLine
from sms.models import DocumentCounter
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = 120
MONTHS = 12
SEED = 7


@dataclass
class Seeded:
    created: dict
    first: dict  # snapshots: a first run (rolled back), the kept run, another seed
    kept: dict
    other_seed: dict


def _snapshot() -> dict:
    """What a seed decides, without ids and clock times."""
    return {
        "opportunities": sorted(
            Opportunity.objects.values_list(
                "title",
                "customer__external_ref",
                "lead_company",
                "owner__username",
                "stage",
                "amount",
                "expected_close_date",
                "source_channel",
                "lost_reason__name",
                "lost_note",
                "next_step",
            ),
            key=repr,
        ),
        "changes": sorted(
            StageChange.objects.values_list(
                "opportunity__title", "opportunity__amount", "from_stage", "to_stage"
            ),
            key=repr,
        ),
        "quotes": sorted(
            Quote.objects.values_list("number", "status", "net_total", "order__number")
        ),
    }


def _seed(seed: int, **options) -> dict:
    return opportunities_seed(
        rng=random.Random(f"opportunities-{seed}"), months=MONTHS, **options
    )


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        reps = [RepFactory(username="opp-demo-a"), RepFactory(username="opp-demo-b")]
        products_demo_create(rng=random.Random(1))
        inventory_demo_create(rng=random.Random(1))
        customers_seed(
            rng=random.Random(SEED), count=CUSTOMERS, owners=reps, months=MONTHS
        )
        orders_seed(rng=random.Random(SEED), months=MONTHS, live=5)
        # As after a flush in a transactional test: the seed makes the usual list.
        LostReason.objects.all().delete()
        snapshots = []
        for seed in (SEED, SEED + 1):
            with transaction.atomic():
                _seed(seed)
                snapshots.append(_snapshot())
                transaction.set_rollback(True)
        created = _seed(SEED)
        connection.check_constraints()
        yield Seeded(
            created=created,
            first=snapshots[0],
            kept=_snapshot(),
            other_seed=snapshots[1],
        )
        transaction.set_rollback(True)


# Reproducible, idempotent -----------------------------------------------------------


# First in the module: the tests after it see the module's seeded data.
def test_nothing_to_seed_without_demo_customers():
    products_demo_create(rng=random.Random(1))
    assert _seed(1) == {}
    assert not Opportunity.objects.exists()


def test_the_same_seed_gives_the_same_pipeline_and_another_seed_another(seeded):
    assert seeded.kept["opportunities"]
    assert seeded.first == seeded.kept
    assert seeded.other_seed["opportunities"] != seeded.kept["opportunities"]


def test_seeding_again_adds_nothing(seeded):
    counts = [
        model.objects.count()
        for model in (Opportunity, StageChange, Quote, QuoteLine, LeadAssignment)
    ]
    assert _seed(SEED + 2) == {}
    assert _seed(SEED + 2, count=10) == {}
    assert counts == [
        model.objects.count()
        for model in (Opportunity, StageChange, Quote, QuoteLine, LeadAssignment)
    ]


# Size and outcomes ------------------------------------------------------------------


def test_the_pipeline_scales_with_the_customers(seeded):
    total = Opportunity.objects.count()
    assert total == round(CUSTOMERS * PER_CUSTOMER)
    assert sum(seeded.created.values()) == total
    assert dict(Counter(Opportunity.objects.values_list("stage", flat=True))) == (
        seeded.created
    )


def test_a_fifth_to_a_third_of_closed_deals_are_won_and_every_stage_has_deals(seeded):
    stages = Counter(Opportunity.objects.values_list("stage", flat=True))
    assert set(stages) == {
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    }
    closed = stages["won"] + stages["lost"]
    assert 0.2 <= stages["won"] / closed <= 0.3
    assert 0.15 * sum(stages.values()) < sum(stages[s] for s in OPEN_STAGES)


def test_probability_is_the_stage_default(seeded):
    for stage, probability in Opportunity.objects.values_list("stage", "probability"):
        assert probability == STAGE_PROBABILITY[stage]


# Stage histories --------------------------------------------------------------------


def test_every_opportunity_has_a_consistent_stage_history(seeded):
    chains = defaultdict(list)
    for row in StageChange.objects.order_by("opportunity_id", "created_at", "pk"):
        chains[row.opportunity_id].append(row)
    now = timezone.now()
    start = now - timedelta(days=MONTHS * 31)
    paths = set()
    for opportunity in Opportunity.objects.all():
        chain = chains[opportunity.pk]
        assert chain[0].from_stage == ""
        assert chain[0].created_at == opportunity.created_at
        assert chain[-1].to_stage == opportunity.stage
        for before, after in pairwise(chain):
            assert before.to_stage == after.from_stage
            assert before.created_at < after.created_at
        assert start < chain[0].created_at
        assert chain[-1].created_at < now
        assert {change.user_id for change in chain} == {opportunity.owner_id}
        if opportunity.is_open:
            assert opportunity.closed_at is None
        else:
            assert opportunity.closed_at == chain[-1].created_at
        assert opportunity.last_activity_at >= chain[-1].created_at
        paths.add(tuple(change.to_stage for change in chain))
    assert ("lead", "qualified", "proposal", "negotiation", "won") in paths
    assert ("lead", "lost") in paths
    assert any(p[0] == "qualified" for p in paths)  # existing customers' deals
    order = list(OPEN_STAGES)
    skips = [
        (a, b)
        for path in paths
        for a, b in pairwise(path)
        if b in order and order.index(b) > order.index(a) + 1
    ]
    assert skips  # some deals skip a stage


def test_bigger_deals_take_longer(seeded):
    days = []
    for opportunity in Opportunity.objects.filter(stage__in=["won", "lost"]):
        took = (opportunity.closed_at - opportunity.created_at).total_seconds()
        days.append((opportunity.amount, took / 86400))
    days.sort()
    half = len(days) // 2
    small = sum(d for _a, d in days[:half]) / half
    big = sum(d for _a, d in days[half:]) / (len(days) - half)
    assert big > small


# Lost, open, leads ------------------------------------------------------------------


def test_lost_deals_have_a_reason_price_and_competitors_first(seeded):
    lost = Opportunity.objects.filter(stage="lost")
    assert not lost.filter(lost_reason__isnull=True).exists()
    assert lost.exclude(lost_note="").exists()
    reasons = Counter(lost.values_list("lost_reason__name", flat=True))
    top = [name for name, _n in reasons.most_common(2)]
    assert set(top) == {"Price too high", "Went with a competitor"}
    assert reasons["Price too high"] + reasons["Went with a competitor"] > (
        0.4 * lost.count()
    )
    assert LostReason.objects.count() == 7  # made again after the flush
    lost_at = Counter(
        StageChange.objects.filter(to_stage="lost").values_list("from_stage", flat=True)
    )
    assert len(lost_at) >= 3


def test_open_deals_expect_to_close_mostly_within_four_months(seeded):
    today = timezone.localdate()
    open_deals = Opportunity.objects.open()
    assert not open_deals.filter(expected_close_date__isnull=True).exists()
    ahead = open_deals.filter(
        expected_close_date__gt=today,
        expected_close_date__lte=today + timedelta(days=125),
    )
    assert ahead.count() >= 0.75 * open_deals.count()
    assert not open_deals.filter(amount__lte=0).exists()
    assert not open_deals.filter(next_step="").exists()
    assert not Opportunity.objects.filter(source_channel="").exists()


def test_leads_without_customer_are_assigned_by_round_robin(seeded):
    leads = Opportunity.objects.filter(customer__isnull=True)
    assert leads.exists()
    assert leads.count() < 0.3 * Opportunity.objects.count()
    assert set(leads.values_list("stage", flat=True)) <= {"lead", "lost"}
    assert not leads.filter(lead_company="").exists()
    assert not leads.filter(lead_email="").exists()
    assignments = LeadAssignment.objects.all()
    assert assignments.count() == leads.count()
    assert not assignments.exclude(rule="round_robin").exists()
    assert not assignments.exclude(assigned_to=F("opportunity__owner")).exists()
    assert len(set(assignments.values_list("assigned_to", flat=True))) == 2
    on_customers = Opportunity.objects.filter(customer__isnull=False)
    assert not on_customers.exclude(owner=F("customer__owner")).exists()
    assert set(on_customers.values_list("customer__external_ref", flat=True)) <= set(
        Customer.objects.values_list("external_ref", flat=True)
    )


# Quotes and orders ------------------------------------------------------------------


def test_won_deals_are_their_customers_orders(seeded):
    won = Opportunity.objects.filter(stage="won").select_related("customer")
    assert won.exists()
    for opportunity in won:
        quotes = list(opportunity.quotes.select_related("order"))
        assert [q.status for q in quotes] == ["accepted"]
        quote, order = quotes[0], quotes[0].order
        assert order.customer_id == opportunity.customer_id
        assert opportunity.amount == order.net_total == quote.net_total
        assert quote.tax_total == order.tax_total
        assert quote.total == order.net_total + order.tax_total
        gap = order.created_at - opportunity.closed_at
        assert timedelta(0) < gap < timedelta(minutes=1)
        assert quote.created_at < quote.sent_at < quote.decided_at
        assert quote.decided_at == opportunity.closed_at
        assert quote.valid_until >= quote.decided_at.date()
        order_lines = list(
            OrderLine.objects.filter(order=order)
            .order_by("position")
            .values_list("product", "quantity", "unit_price", "net_amount")
        )
        assert order_lines == list(
            quote.lines.order_by("position").values_list(
                "product", "quantity", "unit_price", "net_amount"
            )
        )


def test_open_proposals_have_a_few_draft_or_sent_quotes(seeded):
    today = timezone.localdate()
    quotes = Quote.objects.filter(opportunity__stage__in=OPEN_STAGES)
    assert quotes.exists()
    assert set(quotes.values_list("opportunity__stage", flat=True)) <= {
        "proposal",
        "negotiation",
    }
    assert set(quotes.values_list("status", flat=True)) <= {"draft", "sent"}
    assert not quotes.filter(valid_until__lt=today).exists()
    assert not quotes.filter(order__isnull=False).exists()
    for quote in quotes.select_related("opportunity"):
        assert quote.opportunity.amount == quote.net_total
        assert quote.net_total == sum(line.net_amount for line in quote.lines.all())
    assert not Quote.objects.filter(status="rejected").exclude(
        opportunity__stage="lost"
    )


def test_quote_numbers_are_taken_from_the_counter(seeded):
    highest = defaultdict(int)
    numbers = list(Quote.objects.values_list("number", flat=True))
    for number in numbers:
        prefix, year, n = number.split("-")
        assert prefix == "QT"
        highest[int(year)] = max(highest[int(year)], int(n))
    counters = dict(
        DocumentCounter.objects.filter(prefix="QT").values_list("year", "value")
    )
    for year, n in highest.items():
        assert counters[year] == n
    by_date = list(
        Quote.objects.order_by("created_at").values_list("number", flat=True)
    )
    for year in highest:
        of_year = [n for n in by_date if n.startswith(f"QT-{year}-")]
        assert of_year == sorted(of_year)
