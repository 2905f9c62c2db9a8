"""Analytics tables. JobRun: one background job (segmentation, forecast) with its
status, progress and result summary, so the page shows them even when the worker
is gone."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    class Kind(models.TextChoices):
        SEGMENTATION = "segmentation", _("Customer segmentation")
        FORECAST = "forecast", _("Sales forecast")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Last sign of life from the worker: stamped every few seconds while it runs (and
    # when a job is handed back to the queue, dating that). A running job without
    # one for SMS_JOB_STALE_SECONDS lost its worker and is started again.
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    # How many times a worker started the job (0 while never started); at most
    # SMS_JOB_MAX_ATTEMPTS. A later attempt starts from the beginning.
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=0)
    # Why the last attempt did not finish, when the job had to be started again.
    retry_reason = models.CharField(_("retry reason"), max_length=255, blank=True)
    # When the sweep last sent the job to the workers again (None: only when queued).
    resent_at = models.DateTimeField(_("sent again"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    task_id = models.CharField(_("Celery task id"), max_length=255, blank=True)
    summary = models.JSONField(_("result summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        permissions = [
            ("run_job", _("Can start analytics jobs")),
            # Dashboards and reports have no table of their own; the permission
            # lives here. Reps get it too (analytics.view_*), scoped to their
            # own customers.
            ("view_reports", _("Can view dashboards and reports")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="jobrun_progress_lte_100"
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "heartbeat_at"], name="jobrun_status_hb_idx"
            ),
            models.Index(fields=["kind", "created_at"], name="jobrun_kind_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("analytics:jobrun-detail", args=[self.pk])

    @property
    def duration(self):
        """How long it ran (so far, while running); None before it started."""
        if not self.started_at:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class CustomerSegment(models.Model):
    """One customer's RFM scores, segment and K-Means cluster in one segmentation
    run. Written in bulk by the segmentation runner; never edited."""

    job = models.ForeignKey(
        JobRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="customer_segments",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    recency_days = models.PositiveIntegerField(_("days since last order"))
    frequency = models.PositiveIntegerField(_("orders"))
    monetary = models.DecimalField(_("net revenue"), max_digits=14, decimal_places=2)
    r = models.PositiveSmallIntegerField("R")
    f = models.PositiveSmallIntegerField("F")
    m = models.PositiveSmallIntegerField("M")
    segment = models.CharField(_("segment"), max_length=30)
    cluster = models.PositiveSmallIntegerField(_("cluster"), null=True, blank=True)
    # Customer value over the run's value horizon (analytics/value.py): V = R x P,
    # with L shown. Empty on runs made before customer value existed; R, P and L
    # also on runs made before the fitted model, and L when the run fell back to
    # the heuristic (which does not estimate it).
    expected_value = models.DecimalField(
        _("expected value (V)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    value_per_purchase = models.DecimalField(
        _("expected value per purchase (R)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    expected_purchases = models.FloatField(
        _("expected purchases (P)"), null=True, blank=True
    )
    probability_active = models.FloatField(
        _("probability still active (L)"), null=True, blank=True
    )
    value_tier = models.CharField(
        _("value tier"),
        max_length=1,
        blank=True,
        choices=[("A", "A"), ("B", "B"), ("C", "C")],
    )

    # A run's results are a snapshot: merging customers leaves them as they were
    # (and moving them could collide with the survivor's row in the same run).
    customer_merge_skip = True

    class Meta:
        ordering = ["job", "customer"]
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")
        constraints = [
            models.UniqueConstraint(
                fields=["job", "customer"], name="customersegment_job_customer_uniq"
            ),
        ]
        indexes = [
            # The latest run's customers in one segment, biggest spenders first.
            models.Index(
                fields=["job", "segment", "-monetary"],
                name="custseg_job_segment_idx",
            ),
            # One customer's history over runs (the customer page panel).
            models.Index(fields=["customer", "-job"], name="custseg_customer_job_idx"),
            # A run's most valuable customers (the value report).
            models.Index(
                fields=["job", "-expected_value"], name="custseg_job_value_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in run {self.job_id}: {self.segment}"


class ForecastDriver(models.Model):
    """An external driver of revenue a manager enters per month (marketing spend, an
    economic index...). The forecast job gives the active ones to the regression
    with drivers for the total revenue (analytics/forecasting.py)."""

    name = models.CharField(
        _("name"),
        max_length=60,
        unique=True,
        help_text=_("Short, as shown on the forecast page, e.g. “Marketing spend”."),
    )
    description = models.CharField(
        _("description"),
        max_length=255,
        blank=True,
        help_text=_("What it measures and in which unit, e.g. “EUR spent on ads”."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Only active drivers are given to the forecast."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("forecast driver")
        verbose_name_plural = _("forecast drivers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("analytics:driver-update", args=[self.pk])


class DriverValue(models.Model):
    """A driver's value for one calendar month (stored as the month's first day)."""

    driver = models.ForeignKey(
        ForecastDriver,
        verbose_name=_("driver"),
        on_delete=models.CASCADE,
        related_name="values",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    # Not money (an index, a count, an amount in any unit): four decimals.
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["driver", "month"]
        verbose_name = _("driver value")
        verbose_name_plural = _("driver values")
        constraints = [
            models.UniqueConstraint(
                fields=["driver", "month"], name="drivervalue_driver_month_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.driver_id} {self.month:%Y-%m}: {self.value}"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError(
                {"month": _("Use the first day of the month, e.g. 2025-03-01.")}
            )
