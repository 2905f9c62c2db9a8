"""Orders in the admin. Amounts, status, lines, shipments and payments are read-only
here: they change only through orders.services, which the admin actions call (the
same functions as the order pages). Staff can edit an order's notes."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from orders import services
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
from sms.admin import LedgerAdminMixin, ReadOnlyInline
from sms.concurrency import VersionedAdminMixin
from sms.outbox.admin import OUTBOX_FIELDS, OutboxAdmin


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "position",
        "sku",
        "description",
        "quantity",
        "quantity_shipped",
        "unit_price",
        "discount_percent",
        "tax_rate",
        "net_amount",
        "tax_amount",
    )
    readonly_fields = fields


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ("shipped_on", "carrier", "tracking_number", "created_by", "created_at")
    readonly_fields = fields
    show_change_link = True


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("kind", "amount", "paid_on", "method", "reference", "created_by")
    readonly_fields = fields


class TransitionInline(ReadOnlyInline):
    model = OrderTransition
    fields = ("created_at", "from_status", "to_status", "user", "note")
    readonly_fields = fields


class EmailInline(ReadOnlyInline):
    model = OrderEmail
    fields = ("kind", "to_address", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields


class PaymentStatusFilter(admin.SimpleListFilter):
    title = "payment status"
    parameter_name = "payment_status"

    def lookups(self, request, model_admin):
        return [*PaymentStatus.choices, ("overdue", "Overdue")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value():
            return queryset.billable().payment_status(self.value())
        return queryset


def _run(modeladmin, request, queryset: QuerySet, verb: str, action) -> None:
    done, failed = 0, []
    for order in queryset.order_by("pk"):
        try:
            action(order=order, user=request.user)
            done += 1
        except ValidationError as exc:
            failed.append(f"{order.number}: {' '.join(exc.messages)}")
    if done:
        modeladmin.message_user(request, f"{done} order(s) {verb}.", messages.SUCCESS)
    for message in failed:
        modeladmin.message_user(request, message, messages.ERROR)


def _ship_rest(*, order: Order, user) -> None:
    quantities = {line.pk: line.quantity_open for line in order.lines.all()}
    services.order_ship(order=order, user=user, quantities=quantities)


@admin.register(Order)
class OrderAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "customer",
        "owner",
        "order_date",
        "status",
        "total",
        "amount_paid",
        "payment_status_label",
        "due_date",
    )
    list_filter = ("status", PaymentStatusFilter, "warehouse", "imported", "order_date")
    search_fields = ("number", "customer__name", "customer__email")
    list_select_related = ("customer", "owner")
    date_hierarchy = "order_date"
    readonly_fields = (
        "number",
        "customer",
        "owner",
        "warehouse",
        "order_date",
        "status",
        "discount_percent",
        "shipping_charge",
        "payment_terms_days",
        "due_date",
        "subtotal",
        "discount_total",
        "net_total",
        "tax_total",
        "total",
        "amount_paid",
        "imported",
        "created_by",
        "created_at",
        "confirmed_at",
        "shipped_at",
        "delivered_at",
        "cancelled_at",
    )
    fields = (*readonly_fields[:9], "notes", *readonly_fields[9:])
    inlines = (
        OrderLineInline,
        ShipmentInline,
        PaymentInline,
        TransitionInline,
        EmailInline,
    )
    actions = (
        "confirm",
        "return_to_draft",
        "cancel",
        "ship_rest",
        "close_short",
        "deliver",
    )

    def has_add_permission(self, request):
        # Orders are placed on the order pages or imported (services check them).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Payment")
    def payment_status_label(self, obj: Order) -> str:
        if obj.status not in Order.BILLABLE:
            return "-"
        return obj.get_payment_status_display()

    @admin.action(description="Confirm (reserve stock)", permissions=["confirm"])
    def confirm(self, request, queryset):
        _run(self, request, queryset, "confirmed", services.order_confirm)

    @admin.action(
        description="Return to draft (release stock)", permissions=["confirm"]
    )
    def return_to_draft(self, request, queryset):
        _run(
            self, request, queryset, "returned to draft", services.order_return_to_draft
        )

    @admin.action(description="Cancel (release stock)", permissions=["confirm"])
    def cancel(self, request, queryset):
        _run(self, request, queryset, "cancelled", services.order_cancel)

    @admin.action(description="Ship everything still open", permissions=["ship"])
    def ship_rest(self, request, queryset):
        _run(self, request, queryset, "shipped", _ship_rest)

    @admin.action(
        description="Close short (cancel what is not shipped)", permissions=["confirm"]
    )
    def close_short(self, request, queryset):
        _run(self, request, queryset, "closed short", services.order_close_short)

    @admin.action(description="Mark delivered", permissions=["ship"])
    def deliver(self, request, queryset):
        _run(self, request, queryset, "marked delivered", services.order_deliver)

    def has_confirm_permission(self, request):
        return request.user.has_perm("orders.confirm_order")

    def has_ship_permission(self, request):
        return request.user.has_perm("orders.ship_order")


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ("order_line", "quantity")
    readonly_fields = fields


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("order", "shipped_on", "carrier", "tracking_number", "created_by")
    list_filter = ("shipped_on", "carrier")
    search_fields = ("order__number", "tracking_number", "order__customer__name")
    list_select_related = ("order", "created_by")
    readonly_fields = ("order", "shipped_on", "created_by", "created_at")
    fields = ("order", "shipped_on", "carrier", "tracking_number", "created_by")
    inlines = (ShipmentLineInline,)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("order", "kind", "amount", "paid_on", "method", "reference")
    list_filter = ("kind", "method", "paid_on")
    search_fields = ("order__number", "reference", "order__customer__name")
    list_select_related = ("order",)
    readonly_fields = ("order", "kind", "amount", "paid_on", "method", "created_by")
    fields = (*readonly_fields, "reference")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderEmail)
class OrderEmailAdmin(OutboxAdmin):
    list_display = ("order", "kind", "to_address", "status", "attempts", "sent_at")
    list_filter = ("kind", "status")
    search_fields = ("order__number", "to_address")
    list_select_related = ("order",)
    fields = ("order", "shipment", "kind", "to_address", *OUTBOX_FIELDS)


@admin.register(OrderTransition)
class OrderTransitionAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = ("order", "from_status", "to_status", "user", "created_at")
    list_filter = ("to_status",)
    search_fields = ("order__number",)
    list_select_related = ("order", "user")
