"""Shared tables: document number counters, background import jobs, create-form
tokens."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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


class ImportJob(models.Model):
    """A CSV import too large for one web request, run by a Celery worker.

    The same row goes through two runs: a check (a dry run: what the file would do,
    every bad row) and, once its user confirms, the import itself, written all or
    nothing as the pages do inline. Status, progress and the outcome live here, so
    the page shows them whichever worker ran the job (sms.import_jobs).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Mode(models.TextChoices):
        CHECK = "check", _("Check")
        IMPORT = "import", _("Import")

    kind = models.CharField(max_length=20)  # a key of sms.import_jobs.IMPORT_KINDS
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.CHECK)
    good_rows_only = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    # The upload in the default file storage; blank once imported or given up.
    file = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=100, blank=True)
    options = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)  # the first few, shown
    problems_file = models.CharField(max_length=255, blank=True)  # all, as CSV
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    task_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} import #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("imports:import-job", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def run_seconds(self) -> float:
        """How long the last run took (0 while it has not finished)."""
        if not (self.started_at and self.finished_at):
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()


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
