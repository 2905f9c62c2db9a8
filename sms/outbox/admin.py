"""The admin of every outbox: read-only rows with their status, attempts and last
error, and one action that sends failed rows again."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sms.outbox.models import OutboxMessage
from sms.outbox.services import outbox_retry

OUTBOX_FIELDS = (
    "status",
    "attempts",
    "last_error",
    "event_key",
    "created_at",
    "next_attempt_at",
    "claimed_at",
    "sent_at",
)


class OutboxAdmin(admin.ModelAdmin):
    """Subclass per use, adding the use's own fields before ``OUTBOX_FIELDS``.
    Rows change only through sms.outbox.services."""

    list_filter = ("status",)
    actions = ("retry",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Send failed messages again"))
    def retry(self, request, queryset):
        done = 0
        for message in queryset.filter(status=OutboxMessage.Status.FAILED):
            outbox_retry(message=message)
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued again.",
                "%(count)d messages queued again.",
                done,
            )
            % {"count": done},
            messages.INFO,
        )
