from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from sms.models import FormSubmission, ImportJob

User = get_user_model()


class ReadOnlyAdminMixin:
    """Rows that only the services write: the admin shows them, and adds and changes
    none (deleting old ones stays as the admin allows it)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LedgerAdminMixin(ReadOnlyAdminMixin):
    """A record kept for good (a history, an audit trail): not deleted either."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(LedgerAdminMixin, admin.TabularInline):
    """A parent's rows (lines, history) shown in its page, never edited there."""

    extra = 0
    can_delete = False


class SmsUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("groups", "is_staff", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Role")
    def role(self, obj) -> str:
        # Uses the prefetched groups rather than one query per row.
        if obj.is_staff or obj.is_superuser:
            return "Admin"
        return ", ".join(sorted(g.name for g in obj.groups.all())) or "-"


admin.site.unregister(User)
admin.site.register(User, SmsUserAdmin)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "mode", "status", "progress", "rows", "created_by")
    list_filter = ("kind", "status", "mode")
    search_fields = ("filename", "created_by__username", "message")
    date_hierarchy = "created_at"
    list_select_related = ("created_by",)
    # Jobs change only through sms.import_jobs (the pages and the workers).
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(FormSubmission)
class FormSubmissionAdmin(admin.ModelAdmin):
    list_display = ("token", "user", "result_url", "created_at")
    list_filter = ("created_at",)
    search_fields = ("token", "result_url", "user__username")
    readonly_fields = ("user", "token", "result_url", "created_at")
