"""Background jobs: start, run and watch analytics jobs (segmentation, forecast).

A job is first a row (JobRun, status "queued") written by ``job_start``; after
commit a Celery task is enqueued to run it. If the broker is down the enqueue fails
quietly and the row stays queued with a message saying so. ``job_execute`` claims
the row (queued -> running, one conditional UPDATE), so a task delivered twice runs
the job once, then calls the runner registered for its kind with a
``progress(percent, message)`` callback that writes to the row. A worker that dies
mid-run leaves the row "running"; ``jobs_fail_stale`` (every 5 minutes from
django-celery-beat) marks it failed once its heartbeat is older than the timeout.

Runners are registered in ``JOB_RUNNERS`` (see analytics/runners.py):
``runner(job, parameters, progress) -> dict`` returns the JSON summary stored on
the row.
"""

import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from analytics.models import JobRun

logger = logging.getLogger(__name__)
Status = JobRun.Status

Progress = Callable[[int, str], None]
Runner = Callable[[JobRun, dict, Progress], dict]

# kind -> runner(job, parameters, progress) -> summary dict
JOB_RUNNERS: dict[str, Runner] = {}

# A running job not heard from for this long belongs to a worker that died. Above
# the Celery hard time limit would be too late; jobs report progress far more often.
STALE_AFTER = timedelta(minutes=15)
STALE_MESSAGE = gettext_noop(
    "The worker stopped responding (no progress for %(minutes)d minutes); "
    "the job was marked failed. Start it again."
)


def job_runner_register(kind: str) -> Callable[[Runner], Runner]:
    """Decorator: ``@job_runner_register("segmentation")`` on a runner function."""

    def register(runner: Runner) -> Runner:
        JOB_RUNNERS[kind] = runner
        return runner

    return register


def _enqueue(job_id: int) -> None:
    """Hand the job to a worker. Never raises: the row is the source of truth."""
    from analytics.tasks import job_run as job_run_task

    try:
        result = job_run_task.apply_async((job_id,), retry=False)
    except Exception:
        logger.warning(
            "Job %s not enqueued: broker unavailable.", job_id, exc_info=True
        )
        JobRun.objects.filter(pk=job_id, status=Status.QUEUED).update(
            message=_(
                "Waiting: the job queue is unavailable right now. "
                "It will run once the queue is back, or start it again."
            )[:255]
        )
        return
    # Eager mode (no broker) has already run the job; only fill the id if unset.
    JobRun.objects.filter(pk=job_id, task_id="").update(task_id=result.id or "")


def job_start(
    *, kind: str, parameters: dict | None = None, user: AbstractBaseUser | None
) -> JobRun:
    """Create a queued job and run it in a worker after commit."""
    if kind not in JOB_RUNNERS:
        raise ValidationError(_("Unknown job kind: %(kind)s") % {"kind": kind})
    with transaction.atomic():
        job = JobRun.objects.create(
            kind=kind,
            parameters=parameters or {},
            started_by=user if user and user.is_authenticated else None,
            message=_("Queued"),
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _progress_writer(job_id: int, observer: Progress | None = None) -> Progress:
    def progress(percent: int, message: str = "") -> None:
        percent = max(0, min(100, int(percent)))
        # Only while running: a job failed as stale stays failed.
        JobRun.objects.filter(pk=job_id, status=Status.RUNNING).update(
            progress=percent, message=str(message)[:255], heartbeat_at=timezone.now()
        )
        if observer is not None:
            observer(percent, str(message))

    return progress


def job_execute(*, job_id: int, observer: Progress | None = None) -> bool:
    """Run one queued job. Returns whether it ran (False: gone, running or done).

    Each write is its own short statement (autocommit), so the page sees progress
    while the runner works.
    """
    now = timezone.now()
    claimed = JobRun.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        message=_("Started"),
    )
    if not claimed:
        return False
    job = JobRun.objects.get(pk=job_id)
    runner = JOB_RUNNERS.get(job.kind)
    try:
        if runner is None:
            raise LookupError(f"No runner is registered for job kind {job.kind!r}.")
        summary = runner(job, dict(job.parameters), _progress_writer(job_id, observer))
    except (OperationalError, InterfaceError):
        # Transient database trouble: hand the job back so the task's retry runs
        # it again. If even this fails, the stale check fails the job later.
        logger.warning("Job %s hit a database error; retrying.", job_id, exc_info=True)
        JobRun.objects.filter(pk=job_id, status=Status.RUNNING).update(
            status=Status.QUEUED, message=_("Database error; retrying")
        )
        raise
    except Exception as exc:
        logger.exception("Job %s (%s) failed.", job_id, job.kind)
        JobRun.objects.filter(pk=job_id).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            message=_("Failed"),
            error=(
                f"{type(exc).__name__}: {exc}\n\n"
                + "".join(traceback.format_exception(exc)[-5:])
            )[:10000],
        )
        return True
    # Only a job still running is completed: one failed as stale meanwhile stays so.
    JobRun.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=Status.SUCCEEDED,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        progress=100,
        message=_("Done"),
        summary=summary or {},
        error="",
    )
    return True


def jobs_fail_stale(
    *, now: datetime | None = None, timeout: timedelta = STALE_AFTER
) -> int:
    """Mark failed the running jobs whose worker has not reported for ``timeout``.
    Returns how many."""
    now = now or timezone.now()
    cutoff = now - timeout
    return JobRun.objects.filter(
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff),
        status=Status.RUNNING,
    ).update(
        status=Status.FAILED,
        finished_at=now,
        message=_("Worker stopped responding"),
        error=_(STALE_MESSAGE) % {"minutes": int(timeout.total_seconds() // 60)},
    )


def job_run_inline(
    *,
    kind: str,
    parameters: dict | None = None,
    user: AbstractBaseUser | None = None,
    observer: Progress | None = None,
) -> JobRun:
    """Create a job and run it in this process (the management commands).
    ``observer`` also receives every progress report (a progress bar)."""
    if kind not in JOB_RUNNERS:
        raise ValidationError(_("Unknown job kind: %(kind)s") % {"kind": kind})
    job = JobRun.objects.create(
        kind=kind,
        parameters=parameters or {},
        started_by=user,
        task_id="inline",
        message=_("Queued"),
    )
    job_execute(job_id=job.pk, observer=observer)
    job.refresh_from_db()
    return job
