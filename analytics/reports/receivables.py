"""Receivables report: the money customers still owe, by how late it is (aging
buckets), overall and per customer. As of today, so the page offers no period: a
balance is what is owed now, whatever the order's date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from analytics.charts import Chart, Series, hbar_chart
from analytics.reports.base import (
    ZERO,
    Column,
    Report,
    ReportContext,
    ReportView,
    Tab,
    Table,
    report_register,
    share,
)
from analytics.reports.sources import report_open_balances
from customers.models import Customer
from sms.money import money

# Customers shown on the "By customer" tab: the most overdue first.
CUSTOMER_LIMIT = 500
BUCKETS = (
    ("current", "Current (not yet due)"),
    ("d1_30", "1-30 days"),
    ("d31_60", "31-60 days"),
    ("d61_90", "61-90 days"),
    ("d90", "90+ days"),
)
OVERDUE = tuple(key for key, _label in BUCKETS[1:])
BALANCE = F("total") - F("amount_paid")


def bucket_filters(today: date) -> dict[str, Q]:
    """Days past due, as due-date ranges: 1-30 days late is due between 30 days ago
    and yesterday. An order without a due date is not due yet."""

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    return {
        "current": Q(due_date__gte=today) | Q(due_date__isnull=True),
        "d1_30": Q(due_date__lt=today, due_date__gte=ago(30)),
        "d31_60": Q(due_date__lt=ago(30), due_date__gte=ago(60)),
        "d61_90": Q(due_date__lt=ago(60), due_date__gte=ago(90)),
        "d90": Q(due_date__lt=ago(90)),
    }


def _balance_sum(condition: Q | None = None):
    return Coalesce(
        Sum(BALANCE, filter=condition),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _money(value):
    # SQLite's sums lose the two decimal places; counts are left alone.
    return money(value) if isinstance(value, Decimal) else value


def aging_figures(ctx: ReportContext) -> dict:
    """Count and balance per bucket, the total and the number of customers owing:
    one query (conditional aggregation)."""
    aggregates = {"customers": Count("customer", distinct=True)}
    for key, condition in bucket_filters(ctx.today).items():
        aggregates[f"{key}_orders"] = Count("pk", filter=condition)
        aggregates[key] = _balance_sum(condition)
    figures = report_open_balances(ctx).aggregate(**aggregates)
    return {key: _money(value) for key, value in figures.items()}


AGING_COLUMNS = (
    Column("bucket", "Days past due"),
    Column("orders", "Orders", "int"),
    Column("balance", "Balance due", "money"),
    Column("share", "Share", "percent"),
)


def aging_view(ctx: ReportContext) -> ReportView:
    figures = aging_figures(ctx)
    whole = sum((figures[key] for key, _label in BUCKETS), ZERO)
    rows = [
        {
            "bucket": _(label),
            "orders": figures[f"{key}_orders"],
            "balance": figures[key],
            "share": share(figures[key], whole),
        }
        for key, label in BUCKETS
    ]
    owing = any(row["orders"] for row in rows)
    totals = {
        "bucket": _("Total"),
        "orders": sum(row["orders"] for row in rows),
        "balance": whole,
        "share": share(whole, whole),
    }
    chart = Chart(
        kind="bar",
        title=_("Balance due by days past due"),
        labels=[row["bucket"] for row in rows],
        series=[Series(_("Balance due"), [row["balance"] for row in rows])],
        unit=settings.SMS_CURRENCY,
    )
    return ReportView(
        slug="aging",
        title=_("Aging as of %(today)s") % {"today": ctx.today.isoformat()},
        table=Table(AGING_COLUMNS, rows if owing else [], totals if owing else None),
        chart=chart if owing else None,
        note=_as_of(ctx),
    )


def _as_of(ctx: ReportContext) -> str:
    return _(
        "Balances owed today (%(today)s) on billable orders of any date, so "
        "there is no period to choose."
    ) % {"today": ctx.today.isoformat()}


CUSTOMER_COLUMNS = (
    Column("customer", "Customer"),
    Column("owner", "Owner"),
    *(Column(key, label, "money") for key, label in BUCKETS),
    Column("overdue", "Overdue", "money"),
    Column("total", "Total due", "money"),
)


def customer_rows(ctx: ReportContext) -> list[dict]:
    """Balances per customer and bucket, most overdue first, at most one more than
    CUSTOMER_LIMIT (so the page knows it cut the list). Two queries: the sums,
    grouped by customer id alone (grouping by names too would join every customer
    before the cut), then the names of the customers shown."""
    filters = bucket_filters(ctx.today)
    found = list(
        report_open_balances(ctx)
        .values("customer")
        .annotate(
            **{key: _balance_sum(condition) for key, condition in filters.items()},
            overdue=_balance_sum(Q(due_date__lt=ctx.today)),
            total=_balance_sum(),
        )
        .order_by("-overdue", "-total", "customer")[: CUSTOMER_LIMIT + 1]
    )
    names = {
        customer["pk"]: customer
        for customer in Customer.objects.filter(
            pk__in=[row["customer"] for row in found]
        ).values(
            "pk", "name", "owner__first_name", "owner__last_name", "owner__username"
        )
    }
    rows = []
    for row in found:
        customer = names[row["customer"]]
        owner = f"{customer['owner__first_name']} {customer['owner__last_name']}"
        rows.append(
            {
                "customer_id": row["customer"],
                "customer": customer["name"],
                "owner": owner.strip() or customer["owner__username"],
                **{key: money(row[key]) for key, _label in BUCKETS},
                "overdue": money(row["overdue"]),
                "total": money(row["total"]),
            }
        )
    return rows


def customer_view(ctx: ReportContext) -> ReportView:
    rows = customer_rows(ctx)
    cut = len(rows) > CUSTOMER_LIMIT
    rows = rows[:CUSTOMER_LIMIT]
    totals = None
    note = _as_of(ctx)
    if rows:
        # Totals over every customer owing, also those past the cut.
        figures = aging_figures(ctx)
        totals = {
            "customer": _("Total"),
            **{key: figures[key] for key, _label in BUCKETS},
            "overdue": sum((figures[key] for key in OVERDUE), ZERO),
            "total": sum((figures[key] for key, _label in BUCKETS), ZERO),
        }
        if cut:
            note += " " + _(
                "Showing the %(shown)s customers with the most overdue of "
                "%(count)s; the totals cover them all."
            ) % {"shown": CUSTOMER_LIMIT, "count": figures["customers"]}
    chart = hbar_chart(
        _("Top 10 customers by overdue balance"),
        [row for row in rows if row["overdue"] > 0],
        "overdue",
        label="customer",
        top=10,
        name=_("Overdue"),
    )
    return ReportView(
        slug="customers",
        title=_("Balances by customer as of %(today)s")
        % {"today": ctx.today.isoformat()},
        table=Table(
            CUSTOMER_COLUMNS,
            rows,
            totals,
            links={"customer": _customer_url},
        ),
        chart=chart if chart.labels else None,
        note=note,
    )


def _customer_url(row: dict) -> str:
    return reverse("customers:customer-detail", kwargs={"pk": row["customer_id"]})


report_register(
    Report(
        slug="receivables",
        title="Receivables",
        description=(
            "What customers owe today, by days past the due date: overall and per "
            "customer. Always as of today."
        ),
        filters=("rep", "region", "channel"),
        views=(
            Tab("aging", "Aging", aging_view),
            Tab("customers", "By customer", customer_view),
        ),
        dated=False,
        method=(
            "Balance due is an order's total (net after discounts, plus tax and "
            "shipping) minus what has been paid (payments less refunds), on "
            "billable orders (confirmed, partially shipped, shipped, delivered) "
            "that are not fully paid; drafts and cancelled orders owe nothing. "
            "Days past due count from the order's due date (order date plus the "
            "customer's payment terms) to today: current is not yet due, then "
            "1-30, 31-60, 61-90 and over 90 days late. The rep filter selects "
            "the order's sales rep; the owner column is the customer's owner."
        ),
    )
)
