"""What every report is made of: the filters it was asked for (ReportContext), the
querysets they select, and what it shows (a chart and the table under it).

Revenue, everywhere: the net amount (after line and order discounts, before tax and
shipping) of billable orders (confirmed, partially shipped, shipped, delivered; never
drafts or cancelled orders), dated by the order date. With a category filter it is
the net of that category's lines. See docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from analytics.charts import Chart
from analytics.periods import Period
from orders.models import Order, OrderLine
from orders.selectors import order_line_scope, order_scope
from sms.exports import figure

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text, money, int, percent (0-100, one decimal), decimal, date, days
    kind: str = "text"
    # False for a money or count column whose totals cell is not the sum of the
    # column (an average): every other one must add up (tests/analytics).
    adds_up: bool = True

    @property
    def numeric(self) -> bool:
        return self.kind != "text" and self.kind != "date"


@dataclass
class Table:
    columns: Sequence[Column]
    rows: list[dict]
    totals: dict | None = None  # a last row summing the table, when it means something
    # Key whose values link somewhere: {"key": "name", "url": callable(row) -> str}
    links: dict = field(default_factory=dict)

    def __post_init__(self):
        # Each cell rounded as it is shown and downloaded (money to cents, half-up;
        # counts whole), whatever the database handed back: SQLite returns sums as
        # floats (15868.9200000000, 305). Totals are made from rounded rows.
        for row in [*self.rows, *([self.totals] if self.totals else [])]:
            for column in self.columns:
                if column.numeric and column.key in row:
                    row[column.key] = figure(row[column.key], column.kind)


@dataclass
class ReportView:
    """One tab of a report: a chart and the table under it."""

    slug: str
    title: str
    table: Table
    chart: Chart | None = None
    note: str = ""
    # What the page says in place of a chart with nothing to draw (no chart, or
    # every value zero); the page's general wording when blank.
    empty: str = ""


@dataclass(frozen=True)
class ReportContext:
    user: object
    period: Period
    today: date
    rep: object = None  # a User
    region: str | None = None
    channel: str | None = None
    category: object = None  # a products.Category: itself and its children
    options: dict = field(default_factory=dict)

    def with_period(self, period: Period) -> ReportContext:
        return ReportContext(
            self.user,
            period,
            self.today,
            self.rep,
            self.region,
            self.channel,
            self.category,
            self.options,
        )

    def category_q(self, prefix: str = "") -> Q:
        category = self.category
        return Q(**{f"{prefix}product__category": category}) | Q(
            **{f"{prefix}product__category__parent": category}
        )

    def orders(self, period: Period | None = None) -> QuerySet[Order]:
        """Billable orders in the period that the user may see, filtered. With a
        category, the orders holding at least one line of it."""
        period = period or self.period
        orders = (
            order_scope(user=self.user)
            .billable()
            .filter(order_date__range=(period.start, period.end))
        )
        orders = self.filtered(orders, rep="owner", customer="customer")
        if self.category is not None:
            lines = OrderLine.objects.filter(self.category_q(), order=OuterRef("pk"))
            orders = orders.filter(Exists(lines))
        return orders

    def lines(self, period: Period | None = None) -> QuerySet[OrderLine]:
        """Lines of billable orders in the period that the user may see, filtered."""
        period = period or self.period
        lines = order_line_scope(user=self.user).filter(
            order__status__in=Order.BILLABLE,
            order__order_date__range=(period.start, period.end),
        )
        lines = self.filtered(lines, rep="order__owner", customer="order__customer")
        if self.category is not None:
            lines = lines.filter(self.category_q())
        return lines

    def filtered(self, queryset: QuerySet, *, rep: str, customer: str) -> QuerySet:
        """``queryset`` narrowed by the rep, region and channel filters: ``rep`` is
        the path to the credited user, ``customer`` the path to the customer."""
        if self.rep is not None:
            queryset = queryset.filter(**{rep: self.rep})
        if self.region:
            queryset = queryset.filter(**{f"{customer}__region": self.region})
        if self.channel:
            queryset = queryset.filter(**{f"{customer}__source_channel": self.channel})
        return queryset

    @property
    def narrowed(self) -> bool:
        """Whether any filter (rep, region, channel, category) narrows the data."""
        return any(
            value is not None and value != ""
            for value in (self.rep, self.region, self.channel, self.category)
        )

    def filter_key(self) -> tuple:
        """Everything that selects data, for cache keys."""
        return (
            getattr(self.user, "pk", None),
            self.period.start,
            self.period.end,
            getattr(self.rep, "pk", None),
            self.region,
            self.channel,
            getattr(self.category, "pk", None),
            tuple(sorted(self.options.items())),
        )


class Tab(NamedTuple):
    """One tab of a report: ?view=<slug>, its title and the function that builds
    it."""

    slug: str
    title: str
    build: Callable[[ReportContext], ReportView]


@dataclass(frozen=True)
class Report:
    """A report page: its slug (/analytics/reports/<slug>/), title, the optional
    filters it offers and its tabs (the first is the default)."""

    slug: str
    title: str
    description: str
    filters: Sequence[str]
    views: Sequence[Tab]
    # Extra GET parameters the report reads, shown as selects:
    # (name, label, [(value, text), ...]); the first choice is the default.
    options: Sequence[tuple[str, str, Sequence[tuple[str, str]]]] = ()
    method: str = ""  # how this report's numbers are computed, shown on the page
    # False for figures as of today (receivables): the page offers no period.
    dated: bool = True

    def tab(self, slug: str) -> Tab | None:
        return next((tab for tab in self.views if tab.slug == slug), None)

    def option_values(self, data) -> dict:
        """The valid option values in ``data`` (request.GET); others are ignored."""
        values = {}
        for name, _label, choices in self.options:
            value = data.get(name)
            if value and value in {choice for choice, _text in choices}:
                values[name] = value
        return values


REPORTS: dict[str, Report] = {}


def report_register(report: Report) -> Report:
    REPORTS[report.slug] = report
    return report


def cut_note(shown: int, total: int, what: str, *, top: bool = False) -> str:
    """The note under a table cut to its first rows ("" when nothing was cut);
    ``top`` when the rows are ranked by a figure ("the top 500 of...")."""
    if total <= shown:
        return ""
    text = (
        _("Showing the top %(shown)s of %(total)s %(what)s")
        if top
        else _("Showing the first %(shown)s of %(total)s %(what)s")
    )
    return (text + _("; the totals cover all %(total)s.")) % {
        "shown": shown,
        "total": total,
        "what": what,
    }


def share(part, whole) -> Decimal | None:
    """part / whole as a percentage with one decimal (half-up); None when whole
    is 0."""
    if not whole:
        return None
    percent = Decimal(part) * 100 / Decimal(whole)
    return percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ratio(part, whole, places: str = "0.01") -> Decimal | None:
    """part / whole rounded half-up (to cents by default); None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )
