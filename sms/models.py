"""Shared tables: document number counters, create-form tokens."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class DocumentCounter(models.Model):
    """The last number handed out for one document prefix and year (SO-2026-…).

    Numbers are unique but not gap-free: a rolled-back transaction gives its number
    back, and imports may take numbers of their own (see sms.numbering).
    """

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year"], name="documentcounter_unique_prefix_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.value}"


class FormSubmission(models.Model):
    """A create form's one-time token, claimed by the post that saved it.

    The row is written in the same transaction as the record the form creates, so a
    rolled-back save frees the token; a second post with the token finds the row and
    is sent to ``result_url`` instead of creating again (see sms.idempotency).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    token = models.CharField(max_length=64)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "token"], name="formsubmission_unique_user_token"
            ),
            # NULLs are distinct in a unique index: the public forms (no user) need
            # their own.
            models.UniqueConstraint(
                fields=["token"],
                condition=models.Q(user__isnull=True),
                name="formsubmission_unique_anonymous_token",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token} -> {self.result_url or '-'}"
