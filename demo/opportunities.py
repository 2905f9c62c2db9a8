"""Demo pipeline: the demo reps' opportunities over the past ``months``, ending today.

About three opportunities for every five demo customers (at most MAX_COUNT). Most
are closed: a quarter of those won, the rest lost at every stage, with a reason from
the managed list (price and competitors first, a long tail after) and sometimes a
note in words. About a quarter are still open, spread over the open stages, with an
expected close date mostly one to four months ahead (a few overdue).

Each opportunity has its stage history as the services record it: a StageChange
row from "" to the first stage, then one for every move, by the owner, at plausible
moments (days spent in each stage grow with the deal's size). Existing customers'
deals often start qualified; some deals skip a stage. Deals that never left the
lead stage are often new leads without a customer (a company, contact and e-mail),
assigned by round robin with a LeadAssignment row; the others belong to a demo
customer and its owner.

A won opportunity stands for one of its customer's demo orders (one without an
order discount, dated after the deal could have run its course): it closes the
moment the order was made, its accepted quote carries the order's lines and totals
and points at the order, and its amount is the order's net total, so won revenue
matches the orders. Open deals in proposal or negotiation often have a draft or
sent quote, some lost ones a rejected one; their amounts come from the catalogue's
list prices. Quote numbers are taken as a block per year through sms.numbering, so
quotes made later continue after them.

Everything is written in bulk (sms.bulk: COPY on PostgreSQL) and drawn from the
``rng`` passed in, so the same seed on the same orders gives the same pipeline
(dates are relative to now). If a demo customer has an opportunity already,
seeding is skipped.
"""

import importlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from demo.customer_data import (
    CHANNEL_WEIGHTS,
    FEMALE,
    INDUSTRY_WEIGHTS,
    INDUSTRY_WORDS,
    LEGAL_FORMS,
    MALE,
    SURNAMES,
)
from demo.customers import DEMO_PREFIX
from demo.draw import Progress, Weighted, slug, span_days, uniform_int
from demo.orders import typical_quantity
from opportunities.models import (
    STAGE_PROBABILITY,
    AssignmentRule,
    AssignmentSettings,
    LeadAssignment,
    LostReason,
    Opportunity,
    Quote,
    QuoteLine,
    Stage,
    StageChange,
)
from opportunities.services import QUOTE_PREFIX
from orders.models import Order, OrderLine
from orders.pricing import line_amounts, order_amounts
from orders.services import UNIT_PRICE_PLACES
from products.models import Product
from sms.bulk import ids_reserve, rows_insert
from sms.money import ZERO
from sms.numbering import number_block
from sms.roles import SALES_REP

PER_CUSTOMER = 0.6  # opportunities per demo customer
MAX_COUNT = 3000
BATCH_SIZE = 1000  # opportunities per write
OPEN_SHARE = 0.24
WIN_RATE = (0.22, 0.28)  # of closed deals; the test allows 20-30 %
WON_FROM_PROPOSAL = 0.2  # the rest go through negotiation
START_QUALIFIED = 0.35  # an existing customer's deal often starts qualified
SKIP_SHARE = 0.15  # deals that skip a stage on the way
NEW_LEAD_SHARE = 0.5  # deals that never left the lead stage without a customer
OVERDUE_SHARE = 0.12  # open deals whose expected close date has passed
LOST_NOTE_SHARE = 0.3
QUOTE_SHARE = {Stage.PROPOSAL: 0.45, Stage.NEGOTIATION: 0.7}
REJECTED_QUOTE_SHARE = 0.4  # of deals lost in proposal or negotiation
QUOTE_VALID_DAYS = 30
BIG_DEAL = 3000.0  # a deal of this size takes the typical time per stage

OPEN_ORDER = (Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION)
# The tables below are data, kept compact rather than one item per line.
# fmt: off
STAGE_DAYS = {
    Stage.LEAD: (3, 15), Stage.QUALIFIED: (5, 20), Stage.PROPOSAL: (7, 30),
    Stage.NEGOTIATION: (5, 25),
}
OPEN_STAGES_SHARE = {
    Stage.LEAD: 30, Stage.QUALIFIED: 27, Stage.PROPOSAL: 25, Stage.NEGOTIATION: 18,
}
LOST_AT = {
    Stage.LEAD: 30, Stage.QUALIFIED: 30, Stage.PROPOSAL: 25, Stage.NEGOTIATION: 15,
}
# Expected close, days from today, for open deals by stage.
CLOSE_IN = {
    Stage.LEAD: (45, 120), Stage.QUALIFIED: (30, 110), Stage.PROPOSAL: (20, 90),
    Stage.NEGOTIATION: (10, 60),
}
# Pareto-like: price and competitors lose most deals. Reasons managers add later
# get OTHER_REASON_WEIGHT.
REASON_WEIGHTS = {
    "Price too high": 34, "Went with a competitor": 26, "No budget": 12,
    "Bad timing": 10, "No decision": 8, "Product does not fit": 6, "Lost contact": 4,
}
OTHER_REASON_WEIGHT = 3
LOST_NOTES = {
    "Price too high": (
        "Competitor was about 10 % cheaper.",
        "Wanted a volume discount we cannot give.",
        "Budget was half of our quote.",
    ),
    "Went with a competitor": (
        "Chose their existing supplier.", "Competitor offered faster delivery.",
        "Went with a local dealer.",
    ),
    "No budget": ("Budget frozen until next year.", "Funding was not approved."),
    "Bad timing": ("Asked us to come back after the reorganisation.",
                   "Project postponed to next year."),
    "No decision": ("Decision-maker left the company.", "Never got a final answer."),
    "Product does not fit": ("Needed a model we do not carry.",),
    "Lost contact": ("No reply to three calls and two e-mails.",),
}
TITLES = (
    "{product} for the new branch", "{product}: annual supply",
    "Replacement of {product}",
    "{product} roll-out", "Framework agreement: {product}", "Trial order: {product}",
    "{product} and accessories", "Volume deal: {product}", "{product} upgrade",
)
NEXT_STEPS = {
    Stage.LEAD: ("Qualify on a first call", "Send the catalogue", "Book an intro call"),
    Stage.QUALIFIED: ("Clarify quantities", "Site visit", "Product demo"),
    Stage.PROPOSAL: ("Send the quote", "Follow up on the quote", "Answer questions"),
    Stage.NEGOTIATION: ("Agree on the discount", "Wait for the PO",
                        "Final call with purchasing"),
}
AREA_CODES = ("30", "40", "89", "221", "69", "711", "211", "341", "511", "911")
# fmt: on


_OPEN_STAGE = Weighted(OPEN_STAGES_SHARE)
_LOST_AT = Weighted(LOST_AT)
_CHANNEL = {kind: Weighted(table) for kind, table in CHANNEL_WEIGHTS.items()}
_INDUSTRY = Weighted(INDUSTRY_WEIGHTS)
_LEGAL = Weighted(LEGAL_FORMS)


@dataclass
class _Line:
    product_id: int
    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal


@dataclass
class _Deal:
    """One opportunity as drawn, before it is written."""

    outcome: str  # won, lost or open
    final: str  # the stage it is in now
    stages: list[str] = field(default_factory=list)  # the stages entered, in order
    times: list[datetime] = field(default_factory=list)  # when each was entered
    customer: tuple | None = None  # (pk, owner_id, kind, channel, name, email)
    owner_id: int | None = None
    order: tuple | None = None  # a won deal's (pk, created_at, net, ...)
    lines: list[_Line] = field(default_factory=list)
    amount: Decimal = ZERO
    lead: dict | None = None
    quote_status: str = ""
    quote_number: str = ""


def _weighted_sample(rng: random.Random, items: list, weights: list, k: int) -> list:
    """``k`` distinct items, each drawn with probability in proportion to its weight
    (Efraimidis-Spirakis keys)."""
    keyed = sorted(
        ((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0),
        reverse=True,
    )
    return [items[i] for _key, i in keyed[:k]]


def _lost_reasons() -> list[LostReason]:
    """The active reasons; the usual list first, as the data migration makes it,
    when the table is empty (transactional tests flush it)."""
    if not LostReason.objects.exists():
        migration = importlib.import_module(
            "opportunities.migrations.0002_lost_reasons_and_assignment"
        )
        LostReason.objects.bulk_create(
            LostReason(name=name, position=position)
            for position, name in enumerate(migration.LOST_REASONS, start=1)
        )
    return list(LostReason.objects.filter(is_active=True).order_by("position", "pk"))


def _reps(owner_ids: set[int]) -> list[int]:
    """Who new leads go to: the active sales reps, else the customers' owners."""
    reps = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=SALES_REP)
        .order_by("pk")
        .distinct()
        .values_list("pk", flat=True)
    )
    return reps or sorted(owner_ids)


class _Generator:
    def __init__(self, *, rng: random.Random, months: int):
        self.rng = rng
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.days = span_days(months)
        self.start = datetime.combine(
            self.today - timedelta(days=self.days - 1), time(7), tzinfo=self.tz
        )

    # -- contents and amounts -----------------------------------------------------

    def catalogue(self, products: list[Product]) -> None:
        rng = self.rng
        self.products = products
        self.product_weights = [
            rng.lognormvariate(0.0, 0.7) * (100 / max(float(p.list_price), 1)) ** 0.3
            for p in products
        ]

    def lines(self, *, company: bool, discount: bool) -> list[_Line]:
        """One to four catalogue products in quantities that suit their price, more
        than an everyday order (a deal worth a sales rep's time)."""
        rng = self.rng
        wanted = rng.choices((1, 2, 3, 4), weights=(35, 30, 20, 15))[0]
        chosen = _weighted_sample(rng, self.products, self.product_weights, wanted)
        size = rng.lognormvariate(0.6, 0.6) if company else rng.lognormvariate(0, 0.4)
        lines = []
        for product in chosen:
            quantity = max(1, round(typical_quantity(product.list_price) * size))
            price = Decimal(product.list_price).quantize(
                UNIT_PRICE_PLACES, ROUND_HALF_UP
            )
            off = rng.choice((Decimal("5.00"), Decimal("10.00"))) if discount else ZERO
            lines.append(
                _Line(
                    product.pk,
                    product.sku,
                    product.name,
                    quantity,
                    price,
                    off,
                    product.tax_rate,
                )
            )
        return lines

    # -- stages and timing --------------------------------------------------------

    def path(self, last_open: str, *, on_customer: bool) -> list[str]:
        """The open stages a deal went through up to ``last_open``."""
        rng = self.rng
        index = OPEN_ORDER.index(last_open)
        qualified = on_customer and index >= 1 and rng.random() < START_QUALIFIED
        first = 1 if qualified else 0
        stages = list(OPEN_ORDER[first : index + 1])
        if len(stages) > 2 and rng.random() < SKIP_SHARE:
            stages.pop(uniform_int(rng, 1, len(stages) - 2))
        return stages

    def business(self, moment: datetime) -> datetime:
        """The same day (Friday for a weekend) at a random office-hours time."""
        rng = self.rng
        day = moment.astimezone(self.tz).date()
        if day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)
        return datetime.combine(
            day, time(uniform_int(rng, 8, 17), uniform_int(rng, 0, 59)), tzinfo=self.tz
        )

    def timeline(self, deal: _Deal, *, end: datetime | None, size: float) -> None:
        """When each stage of ``deal.stages`` was entered. A closed deal entered its
        last (closed) stage at ``end``; an open one is part-way through its last."""
        rng = self.rng
        factor = min(1.8, max(0.7, (size / BIG_DEAL) ** 0.2))
        open_stages = [s for s in deal.stages if s in STAGE_DAYS]
        spent = [rng.uniform(*STAGE_DAYS[s]) * factor for s in open_stages]
        if end is None:  # open: into the current stage, some past its usual time
            current = spent.pop()
            end = self.now - timedelta(days=current * rng.uniform(0.05, 1.3))
            end = self.business(end)
            if end >= self.now:
                end = self.now - timedelta(minutes=uniform_int(rng, 5, 240))
        offsets = [0.0]
        for days in reversed(spent):
            offsets.append(offsets[-1] + days)
        offsets.reverse()  # days before ``end`` that each stage was entered
        room = (end - self.start).total_seconds() / 86400
        if offsets[0] > room:  # began before the window: a quicker deal
            offsets = [o * room / offsets[0] for o in offsets]
        times = [self.business(end - timedelta(days=o)) for o in offsets[:-1]]
        times.append(end)
        for i in range(len(times) - 2, -1, -1):  # strictly increasing
            if times[i] >= times[i + 1]:
                times[i] = times[i + 1] - timedelta(minutes=uniform_int(rng, 30, 240))
        deal.times = times

    def lost_moment(self) -> datetime:
        """Any office-hours moment in the window, late enough for a short history."""
        rng = self.rng
        span = (self.now - self.start).total_seconds()
        moment = self.start + timedelta(seconds=span * (0.05 + 0.95 * rng.random()))
        moment = self.business(moment)
        if moment >= self.now:
            moment = self.now - timedelta(minutes=uniform_int(rng, 5, 240))
        return moment

    def lead(self) -> dict:
        """A new company the rep has not sold to yet, and its contact."""
        rng = self.rng
        industry = _INDUSTRY(rng)
        base = f"{rng.choice(SURNAMES)} {rng.choice(INDUSTRY_WORDS[industry])}"
        first = rng.choice(FEMALE if rng.random() < 0.5 else MALE)
        last = rng.choice(SURNAMES)
        company = f"{base} {_LEGAL(rng)}"
        area = rng.choice(AREA_CODES)
        number = uniform_int(rng, 100000, 9999999)
        return {
            "company": company,
            "contact": f"{first} {last}",
            "email": f"{slug(first)}.{slug(last)}@{slug(base)}.example",
            "phone": f"+49 {area} {number}",
            "channel": _CHANNEL["company"](rng),
        }


# -- the entry point ------------------------------------------------------------------


def opportunities_seed(
    *,
    rng: random.Random,
    months: int = 24,
    count: int | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Create the demo pipeline over the past ``months``: ``count`` opportunities
    (default: PER_CUSTOMER per demo customer, at most MAX_COUNT) with their stage
    history, quotes and lead assignments. Returns how many were created per stage:
    none when a demo customer has an opportunity already (or there are no demo
    customers or products)."""
    demo = Customer.objects.filter(external_ref__startswith=DEMO_PREFIX)
    if months <= 0 or Opportunity.objects.filter(customer__in=demo).exists():
        return {}
    customers = list(
        demo.filter(is_active=True, merged_into__isnull=True)
        .order_by("external_ref", "pk")
        .values_list("pk", "owner_id", "kind", "source_channel", "name", "email")
    )
    products = list(Product.objects.filter(is_active=True).order_by("sku", "pk"))
    if not customers or not products:
        return {}
    if count is None:
        count = min(MAX_COUNT, round(demo.count() * PER_CUSTOMER))
    if count <= 0:
        return {}
    g = _Generator(rng=rng, months=months)
    g.catalogue(products)
    deals = _deals_draw(g, customers, count)
    reasons = _lost_reasons()
    total = len(deals)
    with transaction.atomic():
        writer = _Writer(g, reasons, _reps({c[1] for c in customers}))
        writer.quote_numbers_take(deals)
        deals.sort(key=lambda d: (d.times[0], d.final, str(d.amount)))
        for start in range(0, total, BATCH_SIZE):
            batch = deals[start : start + BATCH_SIZE]
            writer.write(batch)
            if progress:
                progress("opportunities", len(batch), total)
        writer.assignment_settings_update()
    return dict(Counter(deal.final for deal in deals))


def _deals_draw(g: _Generator, customers: list[tuple], count: int) -> list[_Deal]:
    """Outcomes first (exact shares, so small pipelines keep the win rate), then
    customers, contents and timing."""
    rng = g.rng
    n_open = round(count * OPEN_SHARE)
    closed = count - n_open
    rate = rng.uniform(*WIN_RATE)
    orders = _won_orders(g, rng, round(closed * rate))
    n_won = len(orders)
    if n_won < round(closed * rate):  # too few orders to stand for won deals
        closed = min(closed, round(n_won / rate))
    n_lost = closed - n_won
    weights = [4 if c[2] == Customer.Kind.COMPANY else 1 for c in customers]
    deals: list[_Deal] = []

    for order in orders:
        last_open = (
            Stage.PROPOSAL if rng.random() < WON_FROM_PROPOSAL else Stage.NEGOTIATION
        )
        deal = _Deal("won", Stage.WON, customer=order[-1], order=order)
        deal.stages = [*g.path(last_open, on_customer=True), Stage.WON]
        deal.amount = order[2]
        deal.owner_id = order[-1][1]
        deal.quote_status = Quote.Status.ACCEPTED
        # Accepting the quote moves the deal to won, then makes the order.
        end = order[1] - timedelta(seconds=uniform_int(rng, 1, 20))
        g.timeline(deal, end=end, size=float(deal.amount))
        deals.append(deal)

    for outcome in ["lost"] * n_lost + ["open"] * n_open:
        last_open = _LOST_AT(rng) if outcome == "lost" else _OPEN_STAGE(rng)
        new_lead = last_open == Stage.LEAD and rng.random() < NEW_LEAD_SHARE
        customer = None if new_lead else rng.choices(customers, weights=weights)[0]
        deal = _Deal(outcome, Stage.LOST if outcome == "lost" else last_open)
        deal.customer = customer
        if new_lead:
            deal.lead = g.lead()
        else:
            deal.owner_id = customer[1]
        deal.stages = g.path(last_open, on_customer=customer is not None)
        if outcome == "lost":
            deal.stages.append(Stage.LOST)
            if last_open in QUOTE_SHARE and rng.random() < REJECTED_QUOTE_SHARE:
                deal.quote_status = Quote.Status.REJECTED
        elif last_open in QUOTE_SHARE and rng.random() < QUOTE_SHARE[last_open]:
            deal.quote_status = rng.choice(
                (Quote.Status.SENT, Quote.Status.SENT, Quote.Status.DRAFT)
            )
        company = customer is None or customer[2] == Customer.Kind.COMPANY
        discount = last_open == Stage.NEGOTIATION and rng.random() < 0.4
        deal.lines = g.lines(company=company, discount=discount)
        amounts = [_amounts(line) for line in deal.lines]
        deal.amount = order_amounts(lines=amounts, shipping=ZERO).net
        end = g.lost_moment() if outcome == "lost" else None
        g.timeline(deal, end=end, size=float(deal.amount))
        deals.append(deal)
    return deals


def _won_orders(g: _Generator, rng: random.Random, wanted: int) -> list[tuple]:
    """Demo orders that won deals stand for: made through the workflow (not
    cancelled or draft), without an order discount (a quote has none), on an
    active company customer, late enough for a deal to run its course, and not
    yet on a quote; bigger ones more likely. Each comes with its customer."""
    earliest = g.start + timedelta(days=45)
    rows = list(
        Order.objects.filter(
            customer__external_ref__startswith=DEMO_PREFIX,
            customer__is_active=True,
            customer__merged_into__isnull=True,
            customer__kind=Customer.Kind.COMPANY,
            status__in=Order.BILLABLE,
            discount_percent=0,
            created_at__gte=earliest,
            created_at__lt=g.now,
            quote__isnull=True,
        )
        .order_by("number")
        .values_list(
            "pk",
            "created_at",
            "net_total",
            "subtotal",
            "discount_total",
            "tax_total",
            "customer_id",
            "customer__owner_id",
            "customer__kind",
            "customer__source_channel",
            "customer__name",
            "customer__email",
        )
    )
    chosen = _weighted_sample(rng, rows, [float(r[2]) ** 0.5 for r in rows], wanted)
    chosen.sort(key=lambda r: r[1])
    return [(*row[:6], tuple(row[6:])) for row in chosen]


def _amounts(line: _Line):
    return line_amounts(
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=line.discount,
        tax_rate=line.tax_rate,
    )


# -- writing, in bulk ------------------------------------------------------------------

# Columns written in bulk, in the order of the row tuples below.
# fmt: off
OPPORTUNITY_FIELDS = (
    "id", "title", "customer_id", "lead_company", "lead_contact", "lead_email",
    "lead_phone", "owner_id", "stage", "amount", "probability", "expected_close_date",
    "source_channel", "next_step", "lost_reason_id", "lost_note", "notes",
    "last_activity_at", "created_by_id", "created_at", "closed_at",
)
STAGE_CHANGE_FIELDS = (
    "opportunity_id", "from_stage", "to_stage", "user_id", "created_at",
)
QUOTE_FIELDS = (
    "id", "number", "opportunity_id", "status", "valid_until", "notes", "subtotal",
    "discount_total", "net_total", "tax_total", "total", "order_id", "sent_to",
    "created_by_id", "created_at", "sent_at", "decided_at",
)
QUOTE_LINE_FIELDS = (
    "quote_id", "position", "product_id", "sku", "description", "quantity",
    "unit_price", "discount_percent", "tax_rate", "net_amount", "tax_amount",
)
ASSIGNMENT_FIELDS = ("opportunity_id", "assigned_to_id", "rule", "reason", "created_at")
# fmt: on


class _Writer:
    def __init__(self, g: _Generator, reasons: list[LostReason], reps: list[int]):
        self.g = g
        self.rng = g.rng
        self.reasons = reasons
        self.reason_weights = [
            REASON_WEIGHTS.get(r.name, OTHER_REASON_WEIGHT) for r in reasons
        ]
        self.reps = reps
        self.next_rep = 0
        self.numbers: dict[int, list[str]] = {}

    def quote_numbers_take(self, deals: list[_Deal]) -> None:
        """A block of quote numbers per year, handed out in date order."""
        moments = sorted(self.quote_created(d) for d in deals if d.quote_status)
        per_year = Counter(moment.astimezone(self.g.tz).year for moment in moments)
        for year, count in sorted(per_year.items()):
            taken = set(
                Quote.objects.filter(
                    number__startswith=f"{QUOTE_PREFIX}-{year}-"
                ).values_list("number", flat=True)
            )
            numbers = number_block(
                prefix=QUOTE_PREFIX, year=year, count=count, taken=taken
            )
            self.numbers[year] = numbers[::-1]  # pop() takes the lowest
        for deal in sorted(
            (d for d in deals if d.quote_status), key=self.quote_created
        ):
            year = self.quote_created(deal).astimezone(self.g.tz).year
            deal.quote_number = self.numbers[year].pop()

    def quote_created(self, deal: _Deal) -> datetime:
        """A quote is made soon after entering proposal (or negotiation, if the deal
        skipped proposal), before the next move."""
        times = [*deal.times, self.g.now]
        for i, stage in enumerate(deal.stages):
            if stage in (Stage.PROPOSAL, Stage.NEGOTIATION):
                gap = (times[i + 1] - times[i]) / 2
                return times[i] + min(timedelta(minutes=15), gap)
        return deal.times[-1]

    def write(self, deals: list[_Deal]) -> None:
        g, rng = self.g, self.rng
        ids = ids_reserve(Opportunity, len(deals))
        quoted = [d for d in deals if d.quote_status]
        quote_ids = dict(
            zip(map(id, quoted), ids_reserve(Quote, len(quoted)), strict=True)
        )
        opportunities, changes, quotes, quote_lines, assignments = [], [], [], [], []
        order_lines = self.order_lines([d.order[0] for d in deals if d.order])
        for deal, pk in zip(deals, ids, strict=True):
            if deal.lead and deal.owner_id is None:
                deal.owner_id = self.reps[self.next_rep % len(self.reps)]
                self.next_rep += 1
                self.last_rep = deal.owner_id
                assignments.append(
                    (
                        pk,
                        deal.owner_id,
                        AssignmentRule.ROUND_ROBIN,
                        "next in the round robin",
                        deal.times[0] + timedelta(seconds=1),
                    )
                )
            owner = deal.owner_id
            previous = ""
            for stage, moment in zip(deal.stages, deal.times, strict=True):
                changes.append((pk, previous, stage, owner, moment))
                previous = stage
            closed_at = deal.times[-1] if deal.outcome != "open" else None
            last_activity = deal.times[-1]
            if deal.outcome == "open":
                since = (g.now - last_activity).total_seconds()
                last_activity += timedelta(seconds=since * rng.random() ** 2)
            if deal.quote_status:
                quote = self.quote(deal, quote_ids[id(deal)], pk, order_lines)
                quotes.append(quote[0])
                quote_lines.extend(quote[1])
                last_activity = max(last_activity, quote[0][14])
            opportunities.append(self.opportunity(deal, pk, closed_at, last_activity))
        rows_insert(Opportunity, OPPORTUNITY_FIELDS, opportunities)
        rows_insert(StageChange, STAGE_CHANGE_FIELDS, changes)
        rows_insert(Quote, QUOTE_FIELDS, sorted(quotes))
        rows_insert(QuoteLine, QUOTE_LINE_FIELDS, quote_lines)
        rows_insert(LeadAssignment, ASSIGNMENT_FIELDS, assignments)

    def opportunity(self, deal: _Deal, pk: int, closed_at, last_activity) -> tuple:
        g, rng = self.g, self.rng
        lead = deal.lead or {}
        customer = deal.customer
        if customer is None:
            channel = lead["channel"]
        elif rng.random() < 0.5:
            channel = customer[3]
        else:
            channel = _CHANNEL[customer[2]](rng)
        if deal.order:
            product = self.first_product[deal.order[0]]
        else:
            product = deal.lines[0].description
        title = rng.choice(TITLES).format(product=product)[:200]
        reason, note, next_step = None, "", ""
        if deal.outcome == "lost":
            reason = rng.choices(self.reasons, weights=self.reason_weights)[0]
            if rng.random() < LOST_NOTE_SHARE:
                note = rng.choice(LOST_NOTES.get(reason.name, ("",)))
            reason = reason.pk
        if deal.outcome == "open":
            next_step = rng.choice(NEXT_STEPS[deal.final])
            if rng.random() < OVERDUE_SHARE:
                expected = g.today - timedelta(days=uniform_int(rng, 1, 30))
            else:
                expected = g.today + timedelta(
                    days=uniform_int(rng, *CLOSE_IN[deal.final])
                )
        else:
            expected = closed_at.astimezone(g.tz).date()
        return (
            pk,
            title,
            customer[0] if customer else None,
            lead.get("company", ""),
            lead.get("contact", ""),
            lead.get("email", ""),
            lead.get("phone", ""),
            deal.owner_id,
            deal.final,
            deal.amount,
            STAGE_PROBABILITY[deal.final],
            expected,
            channel,
            next_step,
            reason,
            note,
            "",
            last_activity,
            deal.owner_id,
            deal.times[0],
            closed_at,
        )

    def order_lines(self, order_ids: list[int]) -> dict[int, list[tuple]]:
        lines: dict[int, list[tuple]] = {}
        self.first_product = {}
        for row in (
            OrderLine.objects.filter(order__in=order_ids)
            .order_by("order_id", "position", "pk")
            .values_list(
                "order_id",
                "product_id",
                "sku",
                "description",
                "quantity",
                "unit_price",
                "discount_percent",
                "tax_rate",
                "net_amount",
                "tax_amount",
            )
        ):
            lines.setdefault(row[0], []).append(row[1:])
            self.first_product.setdefault(row[0], row[3])
        return lines

    def quote(self, deal: _Deal, pk: int, opportunity_id: int, order_lines) -> tuple:
        """The quote row and its line rows."""
        g, rng = self.g, self.rng
        created = self.quote_created(deal)
        status = deal.quote_status
        sent_at = decided_at = order_id = None
        if deal.order:
            order_id, _at, net, subtotal, discount, tax, _customer = deal.order
            lines = [
                (pk, position, *line)
                for position, line in enumerate(order_lines[order_id], start=1)
            ]
        else:
            amounts = [_amounts(line) for line in deal.lines]
            totals = order_amounts(lines=amounts, shipping=ZERO)
            net, subtotal, discount, tax = (
                totals.net,
                totals.subtotal,
                totals.discount,
                totals.tax,
            )
            lines = [
                (
                    pk,
                    position,
                    line.product_id,
                    line.sku,
                    line.description,
                    line.quantity,
                    line.unit_price,
                    line.discount,
                    line.tax_rate,
                    amount.net,
                    amount.tax,
                )
                for position, (line, amount) in enumerate(
                    zip(deal.lines, amounts, strict=True), start=1
                )
            ]
        valid_until = created.astimezone(g.tz).date() + timedelta(days=QUOTE_VALID_DAYS)
        if status in (Quote.Status.ACCEPTED, Quote.Status.REJECTED):
            decided_at = deal.times[-1]
            valid_until = max(valid_until, decided_at.astimezone(g.tz).date())
        elif valid_until < g.today:  # still open: renewed when it ran out
            valid_until = g.today + timedelta(days=uniform_int(rng, 5, 21))
        if status != Quote.Status.DRAFT:
            latest = (decided_at or g.now) - created
            sent_at = created + min(
                timedelta(hours=uniform_int(rng, 1, 48)), latest * rng.uniform(0.2, 0.8)
            )
        customer = deal.customer
        row = (
            pk,
            deal.quote_number,
            opportunity_id,
            status,
            valid_until,
            "",
            subtotal,
            discount,
            net,
            tax,
            net + tax,
            order_id,
            (customer[5] or "") if sent_at else "",
            deal.owner_id,
            created,
            sent_at,
            decided_at,
        )
        return row, lines

    def assignment_settings_update(self) -> None:
        """The round robin continues after the last demo lead's rep."""
        last = getattr(self, "last_rep", None)
        if last is None:
            return
        row = AssignmentSettings.objects.order_by("pk").first()
        if row is None:
            AssignmentSettings.objects.create(last_assigned_id=last)
        else:
            AssignmentSettings.objects.filter(pk=row.pk).update(last_assigned_id=last)
