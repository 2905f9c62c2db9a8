import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from inventory.demand import forecast_reorder_quantity
from products.models import Product

NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end text-nowrap"}}


class StockOverviewTable(tables.Table):
    """Stock per product (rows) and warehouse (columns added per warehouse)."""

    sku = tables.Column(attrs={"td": {"class": "text-nowrap"}})
    name = tables.Column()
    category = tables.Column(order_by=("category__parent__name", "category__name"))
    on_hand_total = tables.Column(verbose_name=_("On hand"), attrs=NUMBER)
    reserved_total = tables.Column(verbose_name=_("Reserved"), attrs=NUMBER)
    available_total = tables.Column(verbose_name=_("Available"), attrs=NUMBER)
    reorder_point = tables.Column(verbose_name=_("Reorder point"), attrs=NUMBER)
    # From the demand forecasts (inventory.demand); hidden when there are none.
    forecast_reorder = tables.Column(
        verbose_name=_("Suggested reorder"),
        empty_values=(),
        orderable=False,
        attrs={
            "th": {
                "class": "text-end",
                "title": _(
                    "Forecast demand over the coming months minus available now, "
                    "never below 0 (see below the table)."
                ),
            },
            "td": {"class": "text-end text-nowrap"},
        },
    )
    is_low = tables.Column(verbose_name=_("Status"), orderable=True)

    class Meta:
        model = Product
        fields = ()
        sequence = (
            "sku",
            "name",
            "category",
            "...",
            "on_hand_total",
            "reserved_total",
            "available_total",
            "reorder_point",
            "forecast_reorder",
            "is_low",
        )
        template_name = "includes/sms_table.html"
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        row_attrs = {"data-sku": lambda record: record.sku}
        empty_text = _("No products match these filters.")

    def __init__(self, *args, warehouses=(), demand=None, **kwargs):
        self.demand = demand or {}
        if not self.demand:
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "forecast_reorder")
        extra = []
        for warehouse in warehouses:
            extra.append(
                (
                    f"wh{warehouse.pk}_on_hand",
                    WarehouseColumn(
                        warehouse=warehouse,
                        verbose_name=warehouse.code,
                        attrs={
                            **NUMBER,
                            "th": {"class": "text-end", "title": warehouse.name},
                        },
                    ),
                )
            )
        super().__init__(*args, extra_columns=extra, **kwargs)

    def render_sku(self, record):
        url = reverse("inventory:product-stock", kwargs={"pk": record.pk})
        return format_html('<a href="{}">{}</a>', url, record.sku)

    def render_available_total(self, record, value):
        css = "fw-semibold text-danger" if record.is_low else "fw-semibold"
        return format_html(
            '<span class="{}" data-testid="available">{}</span>', css, value
        )

    def render_on_hand_total(self, value):
        return format_html('<span data-testid="on-hand">{}</span>', value)

    def render_reorder_point(self, value):
        return value or "—"

    def render_forecast_reorder(self, record):
        demand = self.demand.get(record.pk)
        if demand is None:
            return ""
        quantity = forecast_reorder_quantity(
            demand=demand, available=record.available_total
        )
        title = gettext_now(
            "Demand %(first)s to %(last)s: %(demand)d (%(basis)s) - %(available)d "
            "available = %(quantity)d"
        ) % {
            "first": f"{demand.first_month:%b %Y}",
            "last": f"{demand.last_month:%b %Y}",
            "demand": demand.units,
            "basis": demand.basis,
            "available": record.available_total,
            "quantity": quantity,
        }
        return format_html(
            '<span data-testid="forecast-reorder" title="{}">{}</span>',
            title,
            quantity,
        )

    def render_is_low(self, record):
        if not record.is_active:
            return format_html(
                '<span class="badge text-bg-secondary">{}</span>', _("Inactive")
            )
        if record.is_low:
            return format_html(
                '<span class="badge text-bg-warning" data-testid="below-reorder">'
                "{}</span>",
                _("Below reorder point"),
            )
        return ""


class WarehouseColumn(tables.Column):
    """On hand in one warehouse, with what is reserved there underneath."""

    def __init__(self, *, warehouse, **kwargs):
        self.warehouse = warehouse
        super().__init__(**kwargs)

    def render(self, record, value):
        reserved = getattr(record, f"wh{self.warehouse.pk}_reserved", 0)
        if reserved:
            return format_html(
                '{}<div class="small text-body-secondary">{} {}</div>',
                value,
                reserved,
                _("reserved"),
            )
        return value


class MovementTable(tables.Table):
    created_at = tables.DateTimeColumn(
        verbose_name=_("When"), format="j M Y H:i", orderable=False
    )
    kind = tables.Column(verbose_name=_("Movement"), orderable=False)
    warehouse = tables.Column(verbose_name=_("Warehouse"), orderable=False)
    on_hand_delta = tables.Column(
        verbose_name=_("On hand ±"), attrs=NUMBER, orderable=False
    )
    reserved_delta = tables.Column(
        verbose_name=_("Reserved ±"), attrs=NUMBER, orderable=False
    )
    on_hand_after = tables.Column(
        verbose_name=_("Warehouse on hand"), attrs=NUMBER, orderable=False
    )
    total_on_hand_after = tables.Column(
        verbose_name=_("Total on hand"), attrs=NUMBER, orderable=False
    )
    reference = tables.Column(verbose_name=_("Reference"), orderable=False)
    reason = tables.Column(verbose_name=_("Reason"), orderable=False)
    user = tables.Column(verbose_name=_("By"), orderable=False)

    class Meta:
        template_name = "includes/sms_table.html"
        attrs = {"class": "table table-sm align-middle mb-0"}
        empty_text = _("No stock movements yet.")

    def render_kind(self, record):
        return record.get_kind_display()

    def render_warehouse(self, record):
        if record.other_warehouse_id:
            arrow = "→" if record.on_hand_delta < 0 else "←"
            return f"{record.warehouse.code} {arrow} {record.other_warehouse.code}"
        return record.warehouse.code

    def _signed(self, value):
        if not value:
            return "—"
        css = "text-success" if value > 0 else "text-danger"
        return format_html('<span class="{}">{}</span>', css, f"{value:+d}")

    def render_on_hand_delta(self, value):
        return self._signed(value)

    def render_reserved_delta(self, value):
        return self._signed(value)

    def render_user(self, record):
        if record.user is None:
            return "—"
        return record.user.get_full_name() or record.user.get_username()
