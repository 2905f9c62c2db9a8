"""Job runs in the admin: read-only history (jobs are started from the Jobs page,
the commands or the schedules under Periodic tasks)."""

from django.contrib import admin

from analytics.models import JobRun


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
