import django_tables2 as tables
from django.utils.html import format_html

from orders.models import Order
from sms.tables import MoneyColumn, OwnerColumn, badge

STATUS_BADGES = {
    Order.Status.DRAFT: "text-bg-secondary",
    Order.Status.CONFIRMED: "text-bg-primary",
    Order.Status.PARTIALLY_SHIPPED: "text-bg-info",
    Order.Status.SHIPPED: "text-bg-info",
    Order.Status.DELIVERED: "text-bg-success",
    Order.Status.CANCELLED: "text-bg-dark",
}
PAYMENT_BADGES = {
    "unpaid": "text-bg-warning",
    "partial": "text-bg-info",
    "paid": "text-bg-success",
}


def status_badge(order: Order) -> str:
    return badge(STATUS_BADGES[order.status], order.get_status_display())


def payment_badge(order: Order) -> str:
    if order.status not in Order.BILLABLE:
        return "—"
    if order.is_overdue:
        return format_html(
            '<span class="badge text-bg-danger">Overdue {} d</span>', order.days_overdue
        )
    return badge(
        PAYMENT_BADGES[order.payment_status], order.get_payment_status_display()
    )


class OrderTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name="Order")
    order_date = tables.DateColumn(format="Y-m-d", verbose_name="Date")
    customer = tables.Column(linkify=True, order_by=("customer__name",))
    owner = OwnerColumn(verbose_name="Sales rep")
    status = tables.Column()
    total = MoneyColumn(
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    balance = MoneyColumn(
        accessor="balance_due",
        empty_values=(),
        order_by=("amount_paid",),
        verbose_name="Balance due",
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )
    payment = tables.Column(empty_values=(), orderable=False, verbose_name="Payment")

    class Meta:
        model = Order
        fields = ()
        sequence = (
            "number",
            "order_date",
            "customer",
            "owner",
            "status",
            "total",
            "balance",
            "payment",
        )
        attrs = {"class": "table table-hover table-sm align-middle"}
        empty_text = "No orders match. Clear the filters or create an order."

    def render_status(self, record):
        return status_badge(record)

    def render_payment(self, record):
        return payment_badge(record)


class OverdueTable(OrderTable):
    due_date = tables.DateColumn(format="Y-m-d", verbose_name="Due")
    days = tables.Column(
        empty_values=(), order_by=("due_date",), verbose_name="Days late"
    )

    class Meta(OrderTable.Meta):
        sequence = (
            "number",
            "customer",
            "owner",
            "due_date",
            "days",
            "total",
            "balance",
        )
        exclude = ("status", "payment", "order_date")
        empty_text = "No overdue payments. Well done."

    def render_days(self, record):
        return record.days_overdue
