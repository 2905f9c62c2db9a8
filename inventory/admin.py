"""Inventory in the admin. Stock rows, movements and alerts are read-only here: stock
changes only through inventory.services, which the stock pages' forms call (the
links in the stock list lead there) and the low-stock action runs."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from inventory.models import LowStockAlert, StockItem, StockMovement, Warehouse
from inventory.services import low_stock_alerts_sync
from sms.admin import LedgerAdminMixin


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "address")
    # Deactivation has a rule (no stock, no reservations) that lives in
    # inventory.services; the app's warehouse page applies it.
    readonly_fields = ("is_active",)

    def has_delete_permission(self, request, obj=None):
        # A warehouse with a ledger is kept (PROTECT); deactivate it instead.
        return obj is None or not obj.stock_movements.exists()


@admin.register(StockItem)
class StockItemAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = (
        "product",
        "warehouse",
        "on_hand",
        "reserved",
        "available",
        "updated_at",
        "actions_links",
    )
    list_filter = ("warehouse", "product__category")
    search_fields = ("product__sku", "product__name")
    list_select_related = ("product", "warehouse")
    fields = ("product", "warehouse", "on_hand", "reserved", "updated_at")

    @admin.display(description="Available")
    def available(self, obj: StockItem) -> int:
        return obj.available

    @admin.display(description="Change through")
    def actions_links(self, obj: StockItem) -> str:
        query = urlencode({"product": obj.product_id, "warehouse": obj.warehouse_id})
        transfer = urlencode(
            {"product": obj.product_id, "from_warehouse": obj.warehouse_id}
        )
        return format_html(
            '<a href="{}?{}">Receive</a> · <a href="{}?{}">Adjust</a> · '
            '<a href="{}?{}">Transfer</a>',
            reverse("inventory:stock-receive"),
            query,
            reverse("inventory:stock-adjust"),
            query,
            reverse("inventory:stock-transfer"),
            transfer,
        )


@admin.register(StockMovement)
class StockMovementAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "product",
        "warehouse",
        "quantity",
        "on_hand_delta",
        "reserved_delta",
        "on_hand_after",
        "reference",
        "user",
    )
    list_filter = ("kind", "warehouse", ("created_at", admin.DateFieldListFilter))
    search_fields = ("product__sku", "product__name", "reference", "reason")
    list_select_related = ("product", "warehouse", "user")
    date_hierarchy = "created_at"


class AlertStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("open", "Open"), ("closed", "Closed"))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(LowStockAlert)
class LowStockAlertAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = (
        "product",
        "opened_at",
        "available_at_open",
        "reorder_point_at_open",
        "notified_at",
        "closed_at",
    )
    list_filter = (AlertStateFilter, ("opened_at", admin.DateFieldListFilter))
    search_fields = ("product__sku", "product__name")
    list_select_related = ("product",)
    actions = ["run_low_stock_check"]

    def has_change_permission(self, request, obj=None):
        # Needed for the action; the change form itself shows read-only fields.
        return request.user.has_perm("inventory.change_lowstockalert")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    @admin.action(
        description="Run the low-stock check now (opens and closes alerts)",
        permissions=["change"],
    )
    def run_low_stock_check(self, request, queryset):
        result = low_stock_alerts_sync()
        self.message_user(
            request,
            f"Checked {result.checked} products: {len(result.opened)} new alert(s), "
            f"{len(result.closed)} closed.",
            messages.SUCCESS,
        )
