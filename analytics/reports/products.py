"""Products report: revenue, units, cost and margin by product and by top-level
category, and the slow movers (active products without a sale in N days) with the
stock they tie up. Each table is one query; where it is cut to its top rows, the
totals over all rows ride along on every row (analytics.reports.totals)."""

from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from analytics.charts import Chart, hbar_chart
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
    report_register,
    share,
)
from analytics.reports.totals import MONEY, grand_sum, group_count
from inventory.selectors import product_stock_annotate
from products.models import Product
from sms.money import money

ROW_LIMIT = 500  # rows a table shows; totals always cover every row
CHART_TOP = 10
DAYS_CHOICES = ("90", "30", "60", "180")  # the first is the default

FIGURE_COLUMNS = (
    Column("units", "Units", "int"),
    Column("revenue", "Revenue", "money"),
    Column("cost", "Cost", "money"),
    Column("margin", "Margin", "money"),
    Column("margin_percent", "Margin %", "percent"),
)
PRODUCT_COLUMNS = (
    Column("product", "Product"),
    Column("category", "Category"),
    *FIGURE_COLUMNS,
)
CATEGORY_COLUMNS = (
    Column("category", "Category"),
    *FIGURE_COLUMNS,
    Column("revenue_share", "Share of revenue %", "percent"),
)
SLOW_COLUMNS = (
    Column("product", "Product"),
    Column("category", "Category"),
    Column("last_sale", "Last sale"),
    Column("days_without_sale", "Days without sale", "int"),
    Column("on_hand", "On hand", "int"),
    Column("reserved", "Reserved", "int"),
    Column("available", "Available", "int"),
    Column("stock_value", "Stock value at cost", "money"),
)


def _figures(units, revenue, cost) -> dict:
    revenue = revenue or ZERO
    cost = money(cost or ZERO)
    margin = revenue - cost
    return {
        "units": units or 0,
        "revenue": revenue,
        "cost": cost,
        "margin": margin,
        "margin_percent": share(margin, revenue),
    }


def _line_figures() -> dict:
    return {
        "units": Sum("quantity"),
        "revenue": Sum("net_amount"),
        "cost": Sum(F("quantity") * F("unit_cost"), output_field=MONEY),
    }


def _line_totals() -> dict:
    """The same figures summed over every product, and how many products."""
    figures = _line_figures()
    return {
        "all_units": grand_sum(figures["units"], IntegerField()),
        "all_revenue": grand_sum(figures["revenue"]),
        "all_cost": grand_sum(figures["cost"]),
        "all_count": group_count("product_id"),
    }


def _category_path(name: str, parent: str | None) -> str:
    return f"{parent} > {name}" if parent else name


def _product_label(row: dict) -> str:
    return f"{row['sku']} · {row['name']}"


def _category_url(row: dict) -> str:
    return f"{reverse('products:product-list')}?category={row['category_id']}"


def _product_url(row: dict) -> str:
    return reverse("products:product-detail", args=[row["product_id"]])


def _hbar(title: str, rows: list[dict], value: str) -> Chart:
    return hbar_chart(title, rows, value, top=CHART_TOP)


# By product ---------------------------------------------------------------------------


def by_product(ctx: ReportContext) -> ReportView:
    # Grouped by the product id alone: grouping by the joined names too made
    # PostgreSQL sort every line with its text columns (on disk at a million lines).
    # Names are fetched for the shown rows only. Ties on revenue at the cut are
    # broken by product id; the rows shown are ordered by revenue, then SKU.
    found = list(
        ctx.lines()
        .values("product_id")
        .annotate(**_line_figures(), **_line_totals())
        .order_by("-revenue", "product_id")[:ROW_LIMIT]
    )
    names = {
        product["pk"]: product
        for product in Product.objects.filter(
            pk__in=[row["product_id"] for row in found]
        ).values("pk", "sku", "name", "category__name", "category__parent__name")
    }
    rows = []
    for row in found:
        named = names[row["product_id"]]
        product = {
            "product_id": row["product_id"],
            "sku": named["sku"],
            "name": named["name"],
        }
        label = _product_label(product)
        rows.append(
            {
                **product,
                "label": label,
                "product": label,
                "category": _category_path(
                    named["category__name"], named["category__parent__name"]
                ),
                **_figures(row["units"], row["revenue"], row["cost"]),
            }
        )
    rows.sort(key=lambda row: (-row["revenue"], row["sku"]))
    every = found[0] if found else {}
    count = every.get("all_count", 0)
    return ReportView(
        slug="by-product",
        title=_("Revenue and margin by product"),
        table=Table(
            PRODUCT_COLUMNS,
            rows,
            {
                "product": _("Total (%(count)s products)") % {"count": count},
                **_figures(
                    int(every.get("all_units") or 0),
                    every.get("all_revenue"),
                    every.get("all_cost"),
                ),
            },
            links={"product": _product_url},
        ),
        chart=_hbar(
            _("Top %(n)s products by revenue") % {"n": CHART_TOP}, rows, "revenue"
        )
        if rows
        else None,
        note=cut_note(len(rows), count, _("products by revenue")),
    )


# By category --------------------------------------------------------------------------


def by_category(ctx: ReportContext) -> ReportView:
    # A child category's sales count in its parent: the two-level tree rolled up.
    found = (
        ctx.lines()
        .annotate(
            top_id=Coalesce("product__category__parent_id", "product__category_id"),
            top_name=Coalesce(
                "product__category__parent__name", "product__category__name"
            ),
        )
        .values("top_id", "top_name")
        .annotate(**_line_figures())
        .order_by("-revenue", "top_name")
    )
    rows = [
        {
            "category_id": row["top_id"],
            "label": row["top_name"],
            "category": row["top_name"],
            **_figures(row["units"], row["revenue"], row["cost"]),
        }
        for row in found
    ]
    revenue = sum((row["revenue"] for row in rows), ZERO)
    for row in rows:
        row["revenue_share"] = share(row["revenue"], revenue)
    totals = {
        "category": _("Total"),
        **_figures(
            sum(row["units"] for row in rows),
            revenue,
            sum((row["cost"] for row in rows), ZERO),
        ),
        "revenue_share": share(revenue, revenue),
    }
    return ReportView(
        slug="by-category",
        title=_("Revenue and margin by category"),
        table=Table(
            CATEGORY_COLUMNS,
            rows,
            totals,
            links={"category": _category_url},
        ),
        chart=_hbar(_("Revenue by category"), rows, "revenue") if rows else None,
        note=_("Sub-categories are counted in their top-level category."),
    )


# Slow movers --------------------------------------------------------------------------


def slow_days(ctx: ReportContext) -> int:
    value = ctx.options.get("days")
    return int(value if value in DAYS_CHOICES else DAYS_CHOICES[0])


def slow_movers(ctx: ReportContext) -> ReportView:
    days = slow_days(ctx)
    end = ctx.period.end
    window_start = end - timedelta(days=days - 1)
    # Sales as the user sees them with the filters applied (a rep: their customers'
    # orders), up to the period end; the catalogue and the stock are everyone's.
    sold = ctx.lines(Period(date.min, end, "")).filter(product_id=OuterRef("pk"))
    last_sale = sold.order_by("-order__order_date").values("order__order_date")[:1]
    products = Product.objects.active()
    if ctx.category is not None:
        category = ctx.category
        products = products.filter(Q(category=category) | Q(category__parent=category))
    products = product_stock_annotate(
        products=products.filter(
            ~Exists(sold.filter(order__order_date__gte=window_start))
        )
    ).annotate(stock_value=F("on_hand_total") * F("cost"))
    found = list(
        products.annotate(
            last_sale=Subquery(last_sale),
            # Over every slow mover, before the LIMIT: the totals row.
            all_count=Window(Count("pk")),
            all_on_hand=Window(Sum("on_hand_total")),
            all_reserved=Window(Sum("reserved_total")),
            all_value=Window(Sum("stock_value")),
        )
        .values(
            "pk",
            "sku",
            "name",
            "category__name",
            "category__parent__name",
            "last_sale",
            "on_hand_total",
            "reserved_total",
            "available_total",
            "stock_value",
            "all_count",
            "all_on_hand",
            "all_reserved",
            "all_value",
        )
        .order_by("-stock_value", "sku")[:ROW_LIMIT]
    )
    rows = []
    for row in found:
        label = _product_label(row)
        last = row["last_sale"]
        rows.append(
            {
                "product_id": row["pk"],
                "sku": row["sku"],
                "label": label,
                "product": label,
                "category": _category_path(
                    row["category__name"], row["category__parent__name"]
                ),
                "last_sale": last.isoformat() if last else _("never"),
                "days_without_sale": (end - last).days if last else None,
                "on_hand": row["on_hand_total"],
                "reserved": row["reserved_total"],
                "available": row["available_total"],
                "stock_value": money(row["stock_value"]),
            }
        )
    every = found[0] if found else {}
    count = every.get("all_count", 0)
    on_hand = int(every.get("all_on_hand") or 0)
    reserved = int(every.get("all_reserved") or 0)
    note = _(
        "Active products with no sale in the %(days)s days from %(start)s to "
        "%(end)s (the period's last day). The period's start is not used here. "
        "Stock is what is in the warehouses now, valued at the current cost."
    ) % {"days": days, "start": window_start.isoformat(), "end": end.isoformat()}
    cut = cut_note(len(rows), count, _("slow movers by stock value"))
    return ReportView(
        slug="slow-movers",
        title=_("Slow movers: no sale in %(days)s days") % {"days": days},
        table=Table(
            SLOW_COLUMNS,
            rows,
            {
                "product": _("Total (%(count)s products)") % {"count": count},
                "on_hand": on_hand,
                "reserved": reserved,
                "available": on_hand - reserved,
                "stock_value": money(every.get("all_value") or ZERO),
            },
            links={"product": _product_url},
        ),
        chart=_hbar(
            _("Stock value of the top %(n)s slow movers") % {"n": CHART_TOP},
            rows,
            "stock_value",
        )
        if rows
        else None,
        note=f"{note} {cut}".strip(),
    )


report_register(
    Report(
        slug="products",
        title="Products",
        description=(
            "Revenue, units and margin by product and category; slow movers with "
            "their stock."
        ),
        filters=("rep", "region", "channel", "category"),
        views=(
            Tab("by-product", "By product", by_product),
            Tab("by-category", "By category", by_category),
            Tab("slow-movers", "Slow movers", slow_movers),
        ),
        options=(
            (
                "days",
                "Slow movers: no sale in",
                [(value, f"{value} days") for value in DAYS_CHOICES],
            ),
        ),
        method=(
            "Revenue and units are those of the order lines; cost is the quantity "
            "times the unit cost copied onto each line when the order was placed, "
            "and margin is revenue minus cost (margin % of revenue). Categories are "
            "rolled up into their top-level category. Slow movers are active "
            "products with no billable order line in the chosen number of days up "
            "to the period's last day, with the stock on hand, reserved and "
            "available in all warehouses now, valued at the current cost."
        ),
    )
)
