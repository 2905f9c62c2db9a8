"""Reads of orders, scoped to the user asking.

A rep sees the orders of the customers they own; managers and admins see all.
Views fetch single orders through order_scope, so "not yours" and "does not
exist" are the same 404.
"""

from collections.abc import Mapping
from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Avg, Count, F, Max, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from customers.selectors import OwnerFilterSet
from orders.models import (
    Order,
    OrderEmail,
    OrderLine,
    OrderTransition,
    Payment,
    PaymentStatus,
    Shipment,
    ShipmentLine,
)
from products.models import Product
from sms.money import ZERO
from sms.pagination import ID_MAX
from sms.roles import user_is_manager
from sms.widgets import DateInput


def order_scope(*, user) -> QuerySet[Order]:
    qs = Order.objects.all()
    if not user_is_manager(user):
        qs = qs.filter(customer__owner=user)
    return qs


def order_line_scope(*, user) -> QuerySet[OrderLine]:
    """Order lines the user may see: the lines of order_scope's orders."""
    lines = OrderLine.objects.all()
    if not user_is_manager(user):
        lines = lines.filter(order__customer__owner=user)
    return lines


class OrderFilter(OwnerFilterSet):
    search_fields = ("number", "customer__name")

    status = django_filters.ChoiceFilter(
        choices=Order.Status.choices, empty_label="Any status"
    )
    payment_status = django_filters.ChoiceFilter(
        choices=PaymentStatus.choices,
        method="filter_payment_status",
        label="Payment",
        empty_label="Any payment",
    )
    date_from = django_filters.DateFilter(
        field_name="order_date",
        lookup_expr="gte",
        label="From",
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        field_name="order_date",
        lookup_expr="lte",
        label="To",
        widget=DateInput(),
    )
    customer = django_filters.NumberFilter(
        field_name="customer", widget=forms.HiddenInput, min_value=1, max_value=ID_MAX
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue only",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Order
        fields = [
            "q",
            "status",
            "payment_status",
            "date_from",
            "date_to",
            "owner",
            "customer",
        ]

    def filter_payment_status(self, queryset, name, value):
        return queryset.billable().payment_status(value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset


def order_filter(*, user, data: Mapping | None = None) -> OrderFilter:
    queryset = (
        order_scope(user=user)
        .select_related("customer", "owner")
        .order_by("-order_date", "-pk")
    )
    return OrderFilter(data, queryset=queryset, user=user)


def order_list(*, user, filters: Mapping | None = None) -> QuerySet[Order]:
    return order_filter(user=user, data=filters).qs


def overdue_list(*, user) -> QuerySet[Order]:
    return (
        order_scope(user=user)
        .overdue()
        .select_related("customer", "owner")
        .order_by("due_date", "pk")
    )


def overdue_total(*, user) -> Decimal:
    totals = (
        order_scope(user=user)
        .overdue()
        .aggregate(total=Sum("total"), paid=Sum("amount_paid"))
    )
    return (totals["total"] or ZERO) - (totals["paid"] or ZERO)


def order_detail(*, user) -> QuerySet[Order]:
    """One order with everything its page shows, in a fixed number of queries."""
    return (
        order_scope(user=user)
        .select_related(
            "customer",
            "owner",
            "warehouse",
            "created_by",
            # The quote it was made from, if any (opportunities.Quote.order).
            "quote__opportunity",
        )
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
            Prefetch(
                "transitions", queryset=OrderTransition.objects.select_related("user")
            ),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("created_by").prefetch_related(
                    Prefetch(
                        "lines",
                        queryset=ShipmentLine.objects.select_related("order_line"),
                    )
                ),
            ),
            Prefetch("payments", queryset=Payment.objects.select_related("created_by")),
            Prefetch("emails", queryset=OrderEmail.objects.order_by("created_at")),
        )
    )


def order_documents(*, user) -> QuerySet[Order]:
    """Orders with what an invoice prints: the customer, the warehouse and the
    lines (two queries for one order)."""
    return (
        order_scope(user=user)
        .select_related("customer", "warehouse")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("position", "pk"))
        )
    )


def order_packing_slips(*, user) -> QuerySet[Order]:
    """order_documents plus the shipments a packing slip lists (one more query)."""
    return order_documents(user=user).prefetch_related(
        Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_on", "pk"))
    )


def shipment_documents(*, order: Order) -> QuerySet[Shipment]:
    """One order's shipments with their lines, for a shipment's packing slip."""
    return Shipment.objects.filter(order=order).prefetch_related(
        Prefetch(
            "lines",
            queryset=ShipmentLine.objects.select_related("order_line").order_by(
                "order_line__position", "order_line__pk"
            ),
        )
    )


def order_timeline(*, order: Order) -> list[dict]:
    """Status changes, shipments and payments of an order, oldest first.
    Uses the prefetched relations of order_detail."""
    entries = [
        {"when": t.created_at, "type": "transition", "object": t}
        for t in order.transitions.all()
    ]
    entries += [
        {"when": s.created_at, "type": "shipment", "object": s}
        for s in order.shipments.all()
    ]
    entries += [
        {"when": p.created_at, "type": "payment", "object": p}
        for p in order.payments.all()
    ]
    return sorted(entries, key=lambda e: e["when"])


def sellable_products() -> list[dict]:
    """What the order form offers: active products with the price and tax rate the
    live totals need."""
    return list(
        Product.objects.active()
        .order_by("sku")
        .values("pk", "sku", "name", "list_price", "tax_rate")
    )


def customer_order_summary(*, customer, user, limit: int = 10) -> dict:
    """The customer page's purchase history: figures over billable orders and the
    latest orders of any status."""
    orders = Order.objects.filter(customer=customer)
    figures = orders.billable().aggregate(
        count=Count("pk"),
        revenue=Sum("net_total"),
        average=Avg("net_total"),
        last=Max("order_date"),
        billed=Sum("total"),
        paid=Sum("amount_paid"),
        overdue=Count(
            "pk",
            filter=Q(due_date__lt=timezone.localdate(), amount_paid__lt=F("total")),
        ),
    )
    return {
        "count": figures["count"],
        "revenue": figures["revenue"] or ZERO,
        "average": figures["average"],
        "last_order_date": figures["last"],
        "balance_due": (figures["billed"] or ZERO) - (figures["paid"] or ZERO),
        "overdue_count": figures["overdue"],
        "recent": list(orders.order_by("-order_date", "-pk")[:limit]),
    }


def customer_timeline_orders(*, customer, limit: int) -> list[dict]:
    """The customer's orders on their timeline, at the moment each was placed."""
    orders = (
        Order.objects.filter(customer=customer)
        .select_related("owner")
        .order_by("-created_at")[:limit]
    )
    return [{"when": order.created_at, "object": order} for order in orders]
