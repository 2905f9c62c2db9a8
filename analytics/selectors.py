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
