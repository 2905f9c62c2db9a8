"""The pipeline in the admin. State changes go through opportunities.services,
which the admin actions call (the same functions as the pages)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from opportunities import services
from opportunities.models import Quote, QuoteEmail, QuoteLine

# Quotes ----------------------------------------------------------------------------


class QuoteLineInline(admin.TabularInline):
    """A quote's lines: read-only (prices are copied by quote_create/quote_update)."""

    model = QuoteLine
    extra = 0
    can_delete = False
    fields = (
        "position",
        "sku",
        "description",
        "quantity",
        "unit_price",
        "discount_percent",
        "tax_rate",
        "net_amount",
        "tax_amount",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuoteEmailInline(admin.TabularInline):
    model = QuoteEmail
    extra = 0
    can_delete = False
    fields = ("to_address", "status", "attempts", "last_error", "sent_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _quote_action(modeladmin, request, queryset, verb: str, action) -> None:
    done = 0
    for quote in queryset:
        try:
            action(quote=quote, user=request.user)
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{quote.number}: {' '.join(exc.messages)}", messages.ERROR
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{done} quote(s) {verb}.", messages.SUCCESS)


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "opportunity",
        "status",
        "total",
        "valid_until",
        "sent_at",
        "order",
    )
    list_filter = ("status", "valid_until", "created_at")
    search_fields = (
        "number",
        "opportunity__title",
        "opportunity__customer__name",
        "opportunity__lead_company",
        "sent_to",
    )
    list_select_related = ("opportunity", "order")
    date_hierarchy = "created_at"
    fields = (
        "number",
        "opportunity",
        "status",
        "valid_until",
        "notes",
        ("subtotal", "discount_total", "net_total", "tax_total", "total"),
        ("sent_at", "sent_to"),
        "decided_at",
        "order",
        "created_by",
        "created_at",
    )
    readonly_fields = tuple(
        name
        for name in (
            "number",
            "opportunity",
            "status",
            "valid_until",
            "subtotal",
            "discount_total",
            "net_total",
            "tax_total",
            "total",
            "sent_at",
            "sent_to",
            "decided_at",
            "order",
            "created_by",
            "created_at",
        )
    )
    inlines = (QuoteLineInline, QuoteEmailInline)
    actions = ("send", "reject")

    def has_add_permission(self, request):
        # Quotes are made on the opportunity page, which copies the prices.
        return False

    @admin.action(description="Send to the customer", permissions=["change"])
    def send(self, request, queryset):
        _quote_action(self, request, queryset, "sent", services.quote_send)

    @admin.action(description="Mark rejected", permissions=["change"])
    def reject(self, request, queryset):
        _quote_action(self, request, queryset, "rejected", services.quote_reject)


@admin.register(QuoteEmail)
class QuoteEmailAdmin(admin.ModelAdmin):
    list_display = ("quote", "to_address", "status", "attempts", "created_at")
    list_filter = ("status",)
    search_fields = ("quote__number", "to_address")
    readonly_fields = (
        "quote",
        "event_key",
        "to_address",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
    )

    def has_add_permission(self, request):
        return False


# End of quotes
