"""Customers report: revenue, orders and last order by customer; new against
returning customers per month; revenue by region and by source channel, with the
lifetime value of the customers each channel brought. Grouped queries over the
orders. Whether a customer is new looks at all their billable orders, not only the
period's: "no billable order before" (NOT EXISTS), which PostgreSQL runs as one
hash anti-join rather than one index probe per order of the period."""

from datetime import date

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext as _

from analytics.charts import Chart, Series, hbar_chart
from analytics.periods import Period
from analytics.reports.base import (
    ZERO,
    Column,
    Report,
    ReportContext,
    ReportView,
    Tab,
    Table,
    cut_note,
    ratio,
    report_register,
    share,
)
from analytics.reports.buckets import as_date, bucket_label, buckets, running_day
from analytics.reports.totals import grand_sum, group_count
from customers.models import Customer
from orders.models import Order

ROW_LIMIT = 500  # rows a table shows; totals always cover every row
CHART_TOP = 10
REGION_CHART_TOP = 20  # beyond that, bars too thin to read; the table has them all
ALL_TIME = Period(date.min, date.max, "all time")
NO_REGION = "(no region)"

CUSTOMER_COLUMNS = (
    Column("customer", "Customer"),
    Column("owner", "Owner"),
    Column("region", "Region"),
    Column("channel", "Channel"),
    Column("revenue", "Revenue", "money"),
    Column("orders", "Orders", "int"),
    Column("average", "Average order value", "money", adds_up=False),
    Column("last_order", "Last order (any date)", "date"),
)
MONTH_COLUMNS = (
    Column("month", "Month"),
    Column("new", "New customers", "int"),
    Column("new_revenue", "Revenue from new", "money"),
    Column("returning", "Returning customers", "int"),
    Column("returning_revenue", "Revenue from returning", "money"),
    Column("revenue", "Revenue", "money"),
)
REGION_COLUMNS = (
    Column("region", "Region"),
    Column("customers", "Customers", "int"),
    Column("orders", "Orders", "int"),
    Column("revenue", "Revenue", "money"),
    Column("revenue_share", "Share of revenue %", "percent"),
)
CHANNEL_COLUMNS = (
    Column("channel", "Source channel"),
    Column("customers", "Customers who bought", "int"),
    Column("new", "New customers", "int"),
    Column("revenue", "Revenue", "money"),
    Column("average", "Revenue per buying customer", "money", adds_up=False),
    Column("lifetime_customers", "Customers (all time)", "int"),
    Column("lifetime_revenue", "Lifetime revenue", "money"),
    Column("lifetime_average", "Lifetime revenue per customer", "money", adds_up=False),
)


def _customer_url(row: dict) -> str:
    # A module-level function, not a lambda: report results are pickled into the
    # cache (analytics/cache.py).
    return reverse("customers:customer-detail", args=[row["customer_id"]])


def ordered_before(day) -> Exists:
    """The order's customer has a billable order dated before ``day`` (a date or an
    expression over the order), whoever sold it: their first order is earlier."""
    return Exists(
        Order.objects.billable().filter(
            customer_id=OuterRef("customer_id"), order_date__lt=day
        )
    )


def _channel_label(value: str) -> str:
    return Customer.Channel(value).label if value in Customer.Channel.values else value


def _person(first: str, last: str, username: str) -> str:
    # What User.get_full_name() would say, from the grouped row's columns.
    return f"{first} {last}".strip() or username


def _hbar(title: str, rows: list[dict], value: str, label: str) -> Chart:
    return hbar_chart(title, rows, value, label=label, top=CHART_TOP)


# By customer --------------------------------------------------------------------------


def by_customer(ctx: ReportContext) -> ReportView:
    # Grouped by the customer id alone, names fetched for the shown rows only (see
    # products.by_product). Ties at the cut go by customer id; the rows shown are
    # ordered by revenue, then name.
    found = list(
        ctx.orders()
        .values("customer_id")
        .annotate(
            revenue=Sum("net_total"),
            orders=Count("pk"),
            # Over every customer, before the LIMIT: the totals row.
            all_revenue=grand_sum(Sum("net_total")),
            all_orders=grand_sum(Count("pk"), IntegerField()),
            all_count=group_count("customer_id"),
        )
        .order_by("-revenue", "customer_id")[:ROW_LIMIT]
    )
    shown = [row["customer_id"] for row in found]
    customers = {
        customer["pk"]: customer
        for customer in Customer.objects.filter(pk__in=shown).values(
            "pk",
            "name",
            "region",
            "source_channel",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )
    }
    # The last order at any date, for the shown customers only: one index range
    # per customer rather than a subquery per order row.
    last = dict(
        Order.objects.billable()
        .filter(customer_id__in=shown)
        .values("customer_id")
        .annotate(last=Max("order_date"))
        .values_list("customer_id", "last")
        .order_by()
    )
    rows = []
    for row in found:
        customer = customers[row["customer_id"]]
        rows.append(
            {
                "customer_id": row["customer_id"],
                "customer": customer["name"],
                "owner": _person(
                    customer["owner__first_name"],
                    customer["owner__last_name"],
                    customer["owner__username"],
                ),
                "region": customer["region"],
                "channel": _channel_label(customer["source_channel"]),
                "revenue": row["revenue"],
                "orders": row["orders"],
                "average": ratio(row["revenue"], row["orders"]),
                "last_order": last.get(row["customer_id"]),
            }
        )
    rows.sort(key=lambda row: (-row["revenue"], row["customer"], row["customer_id"]))
    every = found[0] if found else {}
    count, revenue = every.get("all_count", 0), every.get("all_revenue") or ZERO
    order_count = int(every.get("all_orders") or 0)
    note = _(
        "Last order is the customer's latest billable order at any date, not only "
        "in the period."
    )
    cut = cut_note(len(rows), count, _("customers by revenue"), top=True)
    if cut:
        note += " " + cut
    return ReportView(
        slug="by-customer",
        title=_("Revenue by customer"),
        table=Table(
            CUSTOMER_COLUMNS,
            rows,
            {
                "customer": _("Total (%(count)s customers)") % {"count": count},
                "revenue": revenue,
                "orders": order_count,
                "average": ratio(revenue, order_count),
            },
            links={"customer": _customer_url},
        ),
        chart=_hbar(
            _("Top %(n)s customers by revenue") % {"n": CHART_TOP},
            rows,
            "revenue",
            "customer",
        )
        if rows
        else None,
        note=note,
    )


# New vs returning ---------------------------------------------------------------------


def new_returning(ctx: ReportContext) -> ReportView:
    # A customer is new in a month when they have no billable order before it (their
    # first order ever is in it), else returning. Two grouped queries: everyone per
    # month, and the new; returning is the difference.
    months = ctx.orders().annotate(month=TruncMonth("order_date"))
    figures = {
        "customers": Count("customer", distinct=True),
        "revenue": Sum("net_total"),
    }
    everyone = months.values("month").annotate(**figures).order_by()
    new_only = (
        months.filter(~ordered_before(OuterRef("month")))
        .values("month")
        .annotate(**figures)
        .order_by()
    )
    everyone = {as_date(row["month"]): row for row in everyone}
    new_only = {as_date(row["month"]): row for row in new_only}
    today = running_day(ctx.period, ctx.today)
    rows = []
    for start in buckets(ctx.period, "month"):
        month, new = everyone.get(start, {}), new_only.get(start, {})
        revenue, new_revenue = month.get("revenue") or ZERO, new.get("revenue") or ZERO
        customers, new_customers = (
            month.get("customers") or 0,
            new.get("customers") or 0,
        )
        rows.append(
            {
                "month": bucket_label(start, "month", today=today),
                "new": new_customers,
                "new_revenue": new_revenue,
                "returning": customers - new_customers,
                "returning_revenue": revenue - new_revenue,
                "revenue": revenue,
            }
        )
    totals = {
        "month": _("Total"),
        "new": sum(row["new"] for row in rows),
        "new_revenue": sum((row["new_revenue"] for row in rows), ZERO),
        # A customer returns in several months: their sum is not a head count.
        "returning": None,
        "returning_revenue": sum((row["returning_revenue"] for row in rows), ZERO),
        "revenue": sum((row["revenue"] for row in rows), ZERO),
    }
    chart = Chart(
        kind="bar",
        title=_("New and returning customers per month"),
        labels=[row["month"] for row in rows],
        series=[
            Series(_("New"), [row["new"] for row in rows]),
            Series(_("Returning"), [row["returning"] for row in rows]),
        ],
        unit=_("customers"),
    )
    return ReportView(
        slug="new-returning",
        title=_("New and returning customers per month"),
        table=Table(MONTH_COLUMNS, rows, totals),
        chart=chart if rows else None,
        empty=_("No customer ordered in this period."),
        note=_(
            "New: the customer's first billable order ever falls in that month. "
            "Returning: they ordered that month and had ordered in an earlier month "
            "(before the period too). A customer counts once per month; the total "
            "of returning customers is left out because the same customer returns "
            "in several months."
        ),
    )


# By region ----------------------------------------------------------------------------


def by_region(ctx: ReportContext) -> ReportView:
    found = (
        ctx.orders()
        .values("customer__region")
        .annotate(
            customers=Count("customer", distinct=True),
            orders=Count("pk"),
            revenue=Sum("net_total"),
        )
        .order_by("-revenue", "customer__region")
    )
    rows = [
        {
            "region": row["customer__region"] or NO_REGION,
            "customers": row["customers"],
            "orders": row["orders"],
            "revenue": row["revenue"],
        }
        for row in found
    ]
    revenue = sum((row["revenue"] for row in rows), ZERO)
    for row in rows:
        row["revenue_share"] = share(row["revenue"], revenue)
    totals = {
        "region": _("Total"),
        # A customer has one region, so these add up without double counting.
        "customers": sum(row["customers"] for row in rows),
        "orders": sum(row["orders"] for row in rows),
        "revenue": revenue,
        "revenue_share": share(revenue, revenue),
    }
    note = _("Each customer counts in the region on their record today.")
    if len(rows) > REGION_CHART_TOP:
        note += " " + _("The chart shows the top %(n)s regions.") % {
            "n": REGION_CHART_TOP
        }
    return ReportView(
        slug="by-region",
        title=_("Revenue by region"),
        table=Table(REGION_COLUMNS, rows, totals),
        chart=_region_chart(rows) if rows else None,
        note=note,
    )


def _region_chart(rows: list[dict]) -> Chart:
    return hbar_chart(
        _("Revenue by region"),
        rows,
        "revenue",
        label="region",
        top=REGION_CHART_TOP,
        name=_("Revenue"),
    )


# By channel ---------------------------------------------------------------------------


def by_channel(ctx: ReportContext) -> ReportView:
    period = (
        ctx.orders()
        .values("customer__source_channel")
        .annotate(customers=Count("customer", distinct=True), revenue=Sum("net_total"))
        .order_by()
    )
    acquired = (
        ctx.orders()
        .filter(~ordered_before(ctx.period.start))
        .values("customer__source_channel")
        .annotate(new=Count("customer", distinct=True))
        .order_by()
    )
    # All time: the revenue per channel (a plain hash aggregate), and the customers
    # with at least one such order counted on the customer table (a semi-join):
    # both cheaper over every order ever than one COUNT(DISTINCT), which sorts.
    lifetime = ctx.orders(ALL_TIME)
    ever_revenue = (
        lifetime.values("customer__source_channel")
        .annotate(revenue=Sum("net_total"))
        .order_by()
    )
    ever_customers = (
        Customer.objects.filter(Exists(lifetime.filter(customer_id=OuterRef("pk"))))
        .values("source_channel")
        .annotate(customers=Count("pk"))
        .order_by()
    )
    now = {row["customer__source_channel"]: row for row in period}
    new = {row["customer__source_channel"]: row["new"] for row in acquired}
    ever = {
        row["customer__source_channel"]: {"revenue": row["revenue"]}
        for row in ever_revenue
    }
    for row in ever_customers:
        ever.setdefault(row["source_channel"], {})["customers"] = row["customers"]
    rows = []
    for channel in [c for c in Customer.Channel.values if c in now or c in ever]:
        here, always = now.get(channel, {}), ever.get(channel, {})
        customers, revenue = here.get("customers") or 0, here.get("revenue") or ZERO
        lifetime_customers = always.get("customers") or 0
        lifetime_revenue = always.get("revenue") or ZERO
        rows.append(
            {
                "channel": _channel_label(channel),
                "customers": customers,
                "new": new.get(channel, 0),
                "revenue": revenue,
                "average": ratio(revenue, customers),
                "lifetime_customers": lifetime_customers,
                "lifetime_revenue": lifetime_revenue,
                "lifetime_average": ratio(lifetime_revenue, lifetime_customers),
            }
        )
    rows.sort(key=lambda row: (-(row["lifetime_average"] or ZERO), row["channel"]))

    def total(key):
        return sum((row[key] for row in rows), 0)

    revenue, lifetime_revenue = (
        total("revenue") or ZERO,
        total("lifetime_revenue") or ZERO,
    )
    totals = {
        "channel": _("Total"),
        # A customer has one channel, so the head counts add up.
        "customers": total("customers"),
        "new": total("new"),
        "revenue": revenue,
        "average": ratio(revenue, total("customers")),
        "lifetime_customers": total("lifetime_customers"),
        "lifetime_revenue": lifetime_revenue,
        "lifetime_average": ratio(lifetime_revenue, total("lifetime_customers")),
    }
    chart = hbar_chart(
        _("Lifetime revenue per customer by channel"),
        rows,
        "lifetime_average",
        label="channel",
    )
    return ReportView(
        slug="by-channel",
        title=_("Revenue by source channel"),
        table=Table(CHANNEL_COLUMNS, rows, totals),
        chart=chart if rows else None,
        note=_(
            "New customers: their first billable order ever is in the period. "
            "Lifetime revenue: every billable order of the channel's customers at "
            "any date, divided by the customers with at least one such order; the "
            "rep, region and channel filters still apply."
        ),
    )


report_register(
    Report(
        slug="customers",
        title="Customers",
        description=(
            "Revenue, orders and last order by customer; new and returning customers "
            "per month; revenue by region and by source channel."
        ),
        filters=("rep", "region", "channel"),
        views=(
            Tab("by-customer", "By customer", by_customer),
            Tab("new-returning", "New vs returning", new_returning),
            Tab("by-region", "By region", by_region),
            Tab("by-channel", "By channel", by_channel),
        ),
        method=(
            "A customer's revenue is the net total of their billable orders in the "
            "period; average order value is revenue divided by orders. A customer is "
            "new in the month of their first billable order ever and returning in a "
            "later month they order in. Region and source channel are those on the "
            "customer's record today. Lifetime revenue per customer is all billable "
            "revenue of a channel's customers, at any date, divided by those of them "
            "who ordered at least once."
        ),
    )
)
