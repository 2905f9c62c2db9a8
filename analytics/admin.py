"""Job runs in the admin: read-only history (jobs are started from the Jobs page,
the commands or the schedules under Periodic tasks). Forecast drivers: editable
(managers usually use /analytics/forecast/drivers/, which pastes a column of months)."""

from django.contrib import admin
from django.db.models import Count, Max, Min

from analytics.models import CustomerSegment, DriverValue, ForecastDriver, JobRun
from sms.admin import ReadOnlyAdminMixin


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "status",
        "attempt",
        "progress",
        "message",
        "created_at",
        "started_at",
        "finished_at",
        "started_by",
    )
    list_filter = ("kind", "status")
    search_fields = ("=id", "message", "error", "task_id")
    date_hierarchy = "created_at"
    list_select_related = ("started_by",)


@admin.register(CustomerSegment)
class CustomerSegmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: rows are written by segmentation runs."""

    list_display = (
        "job", "customer", "segment", "r", "f", "m", "monetary", "cluster",
        "value_per_purchase", "expected_purchases", "probability_active",
        "expected_value", "value_tier",
    )  # fmt: skip
    list_filter = ("segment", "cluster", "value_tier")
    search_fields = ("=job__id", "customer__name")
    list_select_related = ("job", "customer")
    raw_id_fields = ("job", "customer")


class DriverValueInline(admin.TabularInline):
    model = DriverValue
    extra = 0
    ordering = ("month",)


@admin.register(ForecastDriver)
class ForecastDriverAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "is_active",
        "value_count",
        "first_month",
        "last_month",
        "updated_at",
        "updated_by",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "description")
    readonly_fields = ("created_at", "updated_at", "updated_by")
    list_select_related = ("updated_by",)
    inlines = [DriverValueInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                value_count=Count("values"),
                first_month=Min("values__month"),
                last_month=Max("values__month"),
            )
        )

    @admin.display(description="months", ordering="value_count")
    def value_count(self, obj):
        return obj.value_count

    @admin.display(description="from", ordering="first_month")
    def first_month(self, obj):
        return obj.first_month

    @admin.display(description="to", ordering="last_month")
    def last_month(self, obj):
        return obj.last_month

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DriverValue)
class DriverValueAdmin(admin.ModelAdmin):
    list_display = ("driver", "month", "value")
    list_filter = ("driver",)
    search_fields = ("driver__name",)
    date_hierarchy = "month"
    list_select_related = ("driver",)
