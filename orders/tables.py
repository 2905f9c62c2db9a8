import django_tables2 as tables
from django.utils.html import format_html

from orders.models import Order
from sms.templatetags.sms_tags import money

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
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_BADGES[order.status],
        order.get_status_display(),
    )


def payment_badge(order: Order) -> str:
    if order.status not in Order.BILLABLE:
        return "—"
    if order.is_overdue:
        return format_html(
            '<span class="badge text-bg-danger">Overdue {} d</span>', order.days_overdue
        )
    return format_html(
        '<span class="badge {}">{}</span>',
        PAYMENT_BADGES[order.payment_status],
        order.get_payment_status_display(),
    )


class OrderTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name="Order")
    order_date = tables.DateColumn(format="Y-m-d", verbose_name="Date")
    customer = tables.Column(linkify=True, order_by=("customer__name",))
    owner = tables.Column(
        verbose_name="Sales rep", order_by=("owner__first_name", "owner__last_name")
    )
    status = tables.Column()
    total = tables.Column(
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    balance = tables.Column(
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

    def render_owner(self, value):
        return value.get_full_name() or value.get_username()

    def render_status(self, record):
        return status_badge(record)

    def render_total(self, value):
        return money(value)

    def render_balance(self, record):
        return money(record.balance_due)

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
