"""Sales report: revenue, orders, units and average order value per day, week, month
or quarter, in one grouped query over the order lines."""

from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from analytics.charts import Chart, Series
from analytics.reports.base import (
    ZERO,
    Column,
    Report,
    ReportContext,
    ReportView,
    Tab,
    Table,
    ratio,
    report_register,
)
from analytics.reports.buckets import (
    GRANULARITIES,
    TRUNC,
    as_date,
    bucket_label,
    buckets,
    granularity_auto,
    running_day,
)

COLUMNS = (
    Column("period", "Period"),
    Column("revenue", "Revenue", "money"),
    Column("orders", "Orders", "int"),
    Column("units", "Units", "int"),
    Column("average", "Average order value", "money", adds_up=False),
)


def sales_granularity(ctx: ReportContext) -> str:
    chosen = ctx.options.get("by")
    return chosen if chosen in GRANULARITIES else granularity_auto(ctx.period)


def sales_rows(ctx: ReportContext) -> tuple[list[dict], str]:
    granularity = sales_granularity(ctx)
    figures = (
        ctx.lines()
        .annotate(bucket=TRUNC[granularity]("order__order_date"))
        .values("bucket")
        .annotate(
            revenue=Sum("net_amount"),
            orders=Count("order", distinct=True),
            units=Sum("quantity"),
        )
        .order_by()
    )
    found = {as_date(row["bucket"]): row for row in figures}
    today = running_day(ctx.period, ctx.today)
    rows = []
    for start in buckets(ctx.period, granularity):
        row = found.get(start, {})
        revenue, orders = row.get("revenue") or ZERO, row.get("orders") or 0
        rows.append(
            {
                "start": start,
                "period": bucket_label(start, granularity, today=today),
                "revenue": revenue,
                "orders": orders,
                "units": row.get("units") or 0,
                "average": ratio(revenue, orders),
            }
        )
    return rows, granularity


def sales_view(ctx: ReportContext) -> ReportView:
    rows, granularity = sales_rows(ctx)
    revenue = sum((row["revenue"] for row in rows), ZERO)
    orders = sum(row["orders"] for row in rows)
    totals = {
        "period": _("Total"),
        "revenue": revenue,
        "orders": orders,
        "units": sum(row["units"] for row in rows),
        "average": ratio(revenue, orders),
    }
    chart = Chart(
        kind="bar",
        title=_("Revenue per %(unit)s") % {"unit": granularity},
        labels=[row["period"] for row in rows],
        series=[Series(_("Revenue"), [row["revenue"] for row in rows])],
        unit=settings.SMS_CURRENCY,
    )
    # No sale at all: the page says so in words instead of an empty axis over a
    # table of dozens of zero rows (a period with some sales keeps its empty
    # buckets, listed as zero).
    sold = any(row["orders"] for row in rows)
    return ReportView(
        slug="sales",
        title=_("Sales per %(unit)s") % {"unit": granularity},
        table=Table(COLUMNS, rows, totals) if sold else Table(COLUMNS, []),
        chart=chart,
        empty=_("No sales in this period with these filters.")
        if ctx.narrowed
        else _("No sales in this period."),
    )


report_register(
    Report(
        slug="sales",
        title="Sales",
        description="Revenue, orders, units and average order value over time.",
        filters=("rep", "region", "channel", "category"),
        views=(Tab("sales", "Over time", sales_view),),
        options=(("by", "Per", [("", "Automatic"), *GRANULARITIES.items()]),),
        method=(
            "Each order counts in the day, week (Monday to Sunday), month or "
            "quarter of its order date; the first and last week, month or quarter "
            "may be cut by the period. Units are the quantities ordered. Average "
            "order value is revenue divided by the number of orders. Empty periods "
            "are shown as zero; a week, month or quarter still under way is marked "
            "(to date). A period without any sale shows no chart and no rows."
        ),
    )
)
