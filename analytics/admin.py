"""Job runs in the admin: read-only history (jobs are started from the Jobs page,
the commands or the schedules under Periodic tasks)."""

from django.contrib import admin

from analytics.models import CustomerSegment, JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "status",
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CustomerSegment)
class CustomerSegmentAdmin(admin.ModelAdmin):
    """Read-only: rows are written by segmentation runs."""

    list_display = ("job", "customer", "segment", "r", "f", "m", "monetary", "cluster")
    list_filter = ("segment", "cluster")
    search_fields = ("=job__id", "customer__name")
    list_select_related = ("job", "customer")
    raw_id_fields = ("job", "customer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
