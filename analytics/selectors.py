"""Analytics reads. Job runs are team-wide (aggregates over every customer), so no
per-rep scoping: the views' permissions decide who sees them."""

from collections.abc import Iterable

from django.db.models import QuerySet

from analytics.models import JobRun


def jobrun_list(*, user, kind: str | None = None) -> QuerySet[JobRun]:
    runs = JobRun.objects.select_related("started_by")
    if kind:
        runs = runs.filter(kind=kind)
    return runs


def jobrun_statuses(*, user, ids: Iterable[int]) -> QuerySet[JobRun]:
    """The runs the status endpoint reports on (a page's unfinished runs)."""
    return JobRun.objects.filter(pk__in=list(ids)[:100]).only(
        "pk",
        "status",
        "progress",
        "message",
        "error",
        "started_at",
        "finished_at",
        "kind",
    )


def forecast_run_get(*, user, run_id: int | None = None) -> JobRun | None:
    """A succeeded forecast run: ``run_id``'s, else the latest; None if none.
    Raises JobRun.DoesNotExist for an id that is not a succeeded forecast run."""
    runs = JobRun.objects.select_related("started_by").filter(
        kind=JobRun.Kind.FORECAST, status=JobRun.Status.SUCCEEDED
    )
    if run_id is not None:
        return runs.get(pk=run_id)
    return runs.order_by("-finished_at", "-pk").first()
