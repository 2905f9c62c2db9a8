import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from products.models import Product
from sms.tables import MoneyColumn
from sms.templatetags.sms_tags import money

NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end text-nowrap"}}


class ProductTable(tables.Table):
    sku = tables.Column(linkify=True, attrs={"td": {"class": "text-nowrap"}})
    name = tables.Column(linkify=True)
    category = tables.Column(order_by=("category__parent__name", "category__name"))
    unit = tables.Column()
    list_price = MoneyColumn(verbose_name=_("Price"), attrs=NUMBER)
    cost = MoneyColumn(attrs=NUMBER)
    margin_amount = tables.Column(verbose_name=_("Margin"), attrs=NUMBER)
    margin_ratio = tables.Column(verbose_name=_("Margin %"), attrs=NUMBER)
    reorder_point = tables.Column(verbose_name=_("Reorder at"), attrs=NUMBER)
    is_active = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Product
        fields = (
            "sku",
            "name",
            "category",
            "unit",
            "list_price",
            "cost",
            "margin_amount",
            "margin_ratio",
            "reorder_point",
            "is_active",
        )
        template_name = "includes/sms_table.html"
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        empty_text = _("No products match these filters.")

    def render_unit(self, record):
        return record.get_unit_display()

    def render_margin_amount(self, record):
        css = "text-danger" if record.margin < 0 else ""
        return format_html('<span class="{}">{}</span>', css, money(record.margin))

    def render_margin_ratio(self, record):
        percent = record.margin_percent
        return "—" if percent is None else f"{percent} %"

    def render_is_active(self, value):
        if value:
            return format_html(
                '<span class="badge text-bg-success">{}</span>', _("Active")
            )
        return format_html(
            '<span class="badge text-bg-secondary">{}</span>', _("Inactive")
        )
