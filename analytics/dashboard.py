"""The dashboard's figures: KPI tiles for a period against the previous one, and the
data of its six charts. Each tile group and each chart is one aggregate query; the
two periods come from the same query through conditional aggregation.

Revenue follows the report rule (see analytics/reports/base.py). A rep's dashboard
covers their own customers (orders) and their own opportunities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from analytics.charts import MUTED, Chart, Series, hbar_chart
from analytics.reports.base import ZERO, ReportContext, ratio
from analytics.reports.buckets import as_date, running_day
from analytics.reports.sources import (
    in_period,
    report_open_balances,
    report_opportunities,
)
from customers.models import Customer
from inventory.selectors import low_stock_alert_open_count
from opportunities.models import OPEN_STAGES, Stage
from opportunities.selectors import weighted_sum
from orders.models import Order
from products.models import Product
from sms.roles import user_is_manager

TOP = 10
HALF = {"width": 5.6}  # charts drawn in half-width columns


@dataclass
class Tile:
    key: str
    label: str
    value: Decimal | int | None
    kind: str  # money, int, percent
    previous: Decimal | int | None = None
    note: str = ""
    # Whether a rise is good news (for the colour of the change): overdue is not.
    higher_is_better: bool = True
    url: str = ""

    @property
    def change(self) -> Decimal | None:
        """Percentage change against the previous period; None without a base."""
        if self.previous in (None, 0) or self.value is None:
            return None
        return (
            (Decimal(self.value) - Decimal(self.previous))
            * 100
            / abs(Decimal(self.previous))
        ).quantize(Decimal("0.1"))

    @property
    def good(self) -> bool | None:
        change = self.change
        if not change:
            return None
        return (change > 0) == self.higher_is_better


def _both(ctx: ReportContext, field: str) -> tuple[Q, Q]:
    previous = ctx.period.previous()
    return (
        Q(**{f"{field}__range": (ctx.period.start, ctx.period.end)}),
        Q(**{f"{field}__range": (previous.start, previous.end)}),
    )


def sales_tiles(ctx: ReportContext) -> list[Tile]:
    """Revenue, orders, average order value and new customers, now and before."""
    span = ctx.with_period(_span(ctx))
    now, before = _both(ctx, "order_date")
    figures = span.orders().aggregate(
        revenue=Sum("net_total", filter=now, default=ZERO),
        orders=Count("pk", filter=now),
        revenue_before=Sum("net_total", filter=before, default=ZERO),
        orders_before=Count("pk", filter=before),
    )
    new_now, new_before = new_customer_counts(ctx)
    return [
        Tile(
            "revenue", "Revenue", figures["revenue"], "money", figures["revenue_before"]
        ),
        Tile("orders", "Orders", figures["orders"], "int", figures["orders_before"]),
        Tile(
            "average",
            "Average order value",
            ratio(figures["revenue"], figures["orders"]),
            "money",
            ratio(figures["revenue_before"], figures["orders_before"]),
        ),
        Tile(
            "new_customers",
            "New customers",
            new_now,
            "int",
            new_before,
            note="first billable order in the period",
        ),
    ]


def _span(ctx: ReportContext):
    """One period covering both the chosen one and the one before it."""
    from analytics.periods import Period

    previous = ctx.period.previous()
    return Period(min(previous.start, ctx.period.start), ctx.period.end, "span")


def new_customer_counts(ctx: ReportContext) -> tuple[int, int]:
    """Customers whose first billable order ever falls in the period (and in the
    previous one): they ordered in it, and never before its start."""
    previous = ctx.period.previous()
    counts = []
    for period in (ctx.period, previous):
        earlier = Order.objects.billable().filter(
            customer=OuterRef("customer"), order_date__lt=period.start
        )
        counts.append(
            ctx.orders(period)
            .filter(~Exists(earlier))
            .aggregate(n=Count("customer", distinct=True))["n"]
        )
    return counts[0], counts[1]


def opportunity_tiles(ctx: ReportContext) -> list[Tile]:
    """Win rate (won / closed, by close date) now and before; open and weighted
    pipeline as they stand today (a pipeline has no history to compare with)."""
    opportunities = report_opportunities(ctx)
    previous = ctx.period.previous()
    now, before = in_period("closed_at", ctx.period), in_period("closed_at", previous)
    won, lost = Q(stage=Stage.WON), Q(stage=Stage.LOST)
    figures = opportunities.aggregate(
        won=Count("pk", filter=now & won),
        lost=Count("pk", filter=now & lost),
        won_before=Count("pk", filter=before & won),
        lost_before=Count("pk", filter=before & lost),
        open_amount=Sum("amount", filter=Q(stage__in=OPEN_STAGES), default=ZERO),
        weighted=weighted_sum(filter=Q(stage__in=OPEN_STAGES)),
        open_count=Count("pk", filter=Q(stage__in=OPEN_STAGES)),
    )

    def rate(won_count, lost_count):
        closed = won_count + lost_count
        return (
            (Decimal(won_count) * 100 / closed).quantize(Decimal("0.1"))
            if closed
            else None
        )

    return [
        Tile(
            "win_rate",
            "Win rate",
            rate(figures["won"], figures["lost"]),
            "percent",
            rate(figures["won_before"], figures["lost_before"]),
            note=f"{figures['won']} won of {figures['won'] + figures['lost']} closed",
        ),
        Tile(
            "pipeline",
            "Open pipeline",
            figures["open_amount"],
            "money",
            note=f"{figures['open_count']} open opportunities, today",
        ),
        Tile(
            "weighted",
            "Weighted pipeline",
            figures["weighted"],
            "money",
            note="amount x probability, each rounded to the cent, today",
        ),
    ]


def receivable_tiles(ctx: ReportContext) -> list[Tile]:
    """Overdue receivables today: the balance of billable orders past their due
    date."""
    overdue = report_open_balances(ctx).filter(due_date__lt=ctx.today)
    figures = overdue.aggregate(
        balance=Sum(F("total") - F("amount_paid"), default=ZERO), orders=Count("pk")
    )
    return [
        Tile(
            "overdue",
            "Overdue receivables",
            figures["balance"],
            "money",
            note=f"{figures['orders']} orders past due, today",
            higher_is_better=False,
        )
    ]


def stock_tiles(ctx: ReportContext) -> list[Tile]:
    """Open low-stock alerts, for managers: live (one count), never cached, since
    stock moves do not change the sales figures' data version."""
    if not user_is_manager(ctx.user):
        return []
    return [
        Tile(
            "low_stock",
            "Low-stock alerts",
            low_stock_alert_open_count(),
            "int",
            note="open now",
            higher_is_better=False,
        )
    ]


# Charts -----------------------------------------------------------------------------


def monthly_revenue_chart(
    ctx: ReportContext, currency: str
) -> tuple[Chart, list[dict]]:
    """Revenue per month over the twelve months ending with the period's last month
    (with this month, for a period that runs past today), beside the same month
    a year earlier: one query over 24 months.

    The last month may be unfinished: this month (the period runs to today) or a
    period that ends mid-month. It is labelled so ("Dec 2026 (to date)", "Mar 2026
    (to 15 Mar)") and compared with the same days of the month a year earlier,
    1 to that day (clamped to that month's length: 29 February against 1-28
    February), not with the whole month."""
    # The last day counted: today, when the period runs through it (nothing is
    # sold in the future), else the period's end.
    today = running_day(ctx.period, ctx.today)
    through = today or ctx.period.end
    last = through.replace(day=1)
    first = last - relativedelta(months=11)
    month_end = last + relativedelta(months=1) - timedelta(days=1)
    # The same days a year earlier; relativedelta clamps 29 Feb to 28 Feb.
    year_ago = through - relativedelta(years=1)
    from analytics.periods import Period

    span = Period(first - relativedelta(months=12), through, "24 months")
    rows = (
        ctx.with_period(span)
        .orders()
        .annotate(month=TruncMonth("order_date"))
        .values("month")
        .annotate(
            revenue=Sum("net_total"),
            same_days=Sum("net_total", filter=Q(order_date__lte=year_ago)),
        )
        .order_by()
    )
    by_month = {as_date(row["month"]): row for row in rows}

    def revenue(month: date, key: str = "revenue") -> Decimal:
        return by_month.get(month, {}).get(key) or ZERO

    partial = through < month_end or today is not None
    table = []
    for step in range(12):
        month = first + relativedelta(months=step)
        cut = partial and month == last
        table.append(
            {
                "month": month,
                "label": _month_label(month, "%b %Y", through, today, cut),
                "short": _month_label(month, "%b %y", through, today, cut),
                "revenue": revenue(month),
                "last_year": revenue(
                    month - relativedelta(years=1), "same_days" if cut else "revenue"
                ),
                # For the note under the chart: the days compared.
                "through": through if cut else None,
                "year_ago": year_ago if cut else None,
            }
        )
    chart = Chart(
        kind="bar",
        title="Monthly revenue, with the same month last year",
        labels=[row["short"] for row in table],
        series=[
            Series("Revenue", [row["revenue"] for row in table]),
            Series("Same month last year", [row["last_year"] for row in table], MUTED),
        ],
        unit=currency,
    )
    return chart, table


def _month_label(
    month: date, form: str, through: date, today: date | None, cut: bool
) -> str:
    label = month.strftime(form)
    if not cut:
        return label
    if today is not None:
        return f"{label} (to date)"
    return f"{label} (to {through.day} {through:%b})"


def _hbar(title: str, rows: list[dict], currency: str, value: str = "revenue") -> Chart:
    return hbar_chart(title, rows, value, name="Revenue", unit=currency, options=HALF)


def category_chart(ctx: ReportContext, currency: str) -> tuple[Chart, list[dict]]:
    """Revenue by top-level category (children rolled up into their parent)."""
    rows = (
        ctx.lines()
        .annotate(
            top=Coalesce("product__category__parent__name", "product__category__name")
        )
        .values("top")
        .annotate(revenue=Sum("net_amount"))
        .order_by("-revenue")
    )
    table = [
        {"label": row["top"] or "(none)", "revenue": row["revenue"]} for row in rows
    ]
    return _hbar("Revenue by category", table, currency), table


def top_customers_chart(ctx: ReportContext, currency: str) -> tuple[Chart, list[dict]]:
    # Grouped by id alone, names read for the ten shown (as the reports do).
    rows = list(
        ctx.orders()
        .values("customer_id")
        .annotate(revenue=Sum("net_total"))
        .order_by("-revenue", "customer_id")[:TOP]
    )
    names = dict(
        Customer.objects.filter(pk__in=[row["customer_id"] for row in rows])
        .values_list("pk", "name")
        .order_by()
    )
    table = [
        {
            "label": names[row["customer_id"]],
            "revenue": row["revenue"],
            "id": row["customer_id"],
        }
        for row in rows
    ]
    return _hbar(f"Top {TOP} customers", table, currency), table


def top_products_chart(ctx: ReportContext, currency: str) -> tuple[Chart, list[dict]]:
    rows = list(
        ctx.lines()
        .values("product_id")
        .annotate(revenue=Sum("net_amount"), units=Sum("quantity"))
        .order_by("-revenue", "product_id")[:TOP]
    )
    names = {
        product["pk"]: f"{product['sku']} {product['name']}"
        for product in Product.objects.filter(
            pk__in=[row["product_id"] for row in rows]
        ).values("pk", "sku", "name")
    }
    table = [
        {
            "label": names[row["product_id"]],
            "revenue": row["revenue"],
            "units": row["units"],
            "id": row["product_id"],
        }
        for row in rows
    ]
    return _hbar(f"Top {TOP} products", table, currency), table


def funnel_chart(ctx: ReportContext, currency: str) -> tuple[Chart, list[dict]]:
    """Open opportunities by stage today: count and amount, in stage order."""
    rows = (
        report_opportunities(ctx)
        .filter(stage__in=OPEN_STAGES)
        .values("stage")
        .annotate(count=Count("pk"), amount=Sum("amount", default=ZERO))
        .order_by()
    )
    by_stage = {row["stage"]: row for row in rows}
    table = [
        {
            "label": str(Stage(stage).label),
            "count": by_stage.get(stage, {}).get("count", 0),
            "amount": by_stage.get(stage, {}).get("amount", ZERO),
        }
        for stage in OPEN_STAGES
    ]
    chart = hbar_chart(
        "Open pipeline by stage",
        table,
        "amount",
        name="Amount",
        unit=currency,
        options=HALF,
    )
    return chart, table


def rep_chart(ctx: ReportContext, currency: str) -> tuple[Chart, list[dict]]:
    """Revenue per rep credited with the order (Order.owner)."""
    rows = (
        ctx.orders()
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(revenue=Sum("net_total"))
        .order_by("-revenue", "owner_id")
    )
    table = [
        {
            "label": f"{row['owner__first_name']} {row['owner__last_name']}".strip()
            or row["owner__username"],
            "revenue": row["revenue"],
        }
        for row in rows
    ]
    return _hbar("Revenue by sales rep", table, currency), table
