"""Background jobs: start, run and watch analytics jobs (segmentation, forecast).

A job is first a row (JobRun, status "queued") written by ``job_start``; after
commit a Celery task is enqueued to run it. If the broker is down the enqueue fails
quietly and the row stays queued with a message saying so. ``job_execute`` claims
the row (queued -> running, one conditional UPDATE), so a task delivered twice runs
the job once, then calls the runner registered for its kind with a
``progress(percent, message)`` callback that writes to the row.

``jobs_sweep`` (every 5 minutes from django-celery-beat, the periodic task
"analytics.tasks.jobs_fail_stale") repairs what a broken worker or broker leaves:
a row still "running" whose heartbeat is older than STALE_AFTER is marked failed
(its worker died); a row still "queued" REQUEUE_AFTER after it was queued is sent
to the workers again (its message never reached the broker, or was lost), which is
safe because of the claim; and one still queued after GIVE_UP_AFTER is marked
failed with a message saying so, rather than waiting forever.

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
from sms.broker import enqueue

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

# A queued job not claimed this long after it was queued is sent again. Long enough
# for its own on-commit message to be picked up by an idle worker.
REQUEUE_AFTER = timedelta(minutes=5)
# ... and is given up after this long: failed, with GIVE_UP_MESSAGE.
GIVE_UP_AFTER = timedelta(hours=1)
GIVE_UP_MESSAGE = gettext_noop(
    "No worker picked the job up within %(minutes)d minutes (the job queue or the "
    "workers were unavailable), so it never started and was marked failed. Start "
    "it again."
)
# The most queued jobs one sweep sends again (a backlog drains over a few sweeps).
REQUEUE_BATCH = 100


def job_runner_register(kind: str) -> Callable[[Runner], Runner]:
    """Decorator: ``@job_runner_register("segmentation")`` on a runner function."""

    def register(runner: Runner) -> Runner:
        JOB_RUNNERS[kind] = runner
        return runner

    return register


def _enqueue(job_id: int, *, again: bool = False) -> bool:
    """Hand the job to a worker. Never raises: the row is the source of truth.
    Returns whether the broker took the message."""
    from analytics.tasks import job_run as job_run_task

    result = enqueue(job_run_task, (job_id,), what=f"Job {job_id}")
    if result is None:
        JobRun.objects.filter(pk=job_id, status=Status.QUEUED).update(
            message=_(
                "Waiting: the job queue is unavailable right now. The job is sent "
                "again every 5 minutes and runs once the queue is back."
            )[:255]
        )
        return False
    # Eager mode (no broker) has already run the job; only fill the id if unset.
    JobRun.objects.filter(pk=job_id, task_id="").update(task_id=result.id or "")
    if again:
        JobRun.objects.filter(pk=job_id, status=Status.QUEUED).update(
            message=_("Sent to the workers again; waiting for one to start it")
        )
    return True


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
        # The heartbeat dates the return to the queue for jobs_requeue_waiting.
        JobRun.objects.filter(pk=job_id, status=Status.RUNNING).update(
            status=Status.QUEUED,
            message=_("Database error; retrying"),
            heartbeat_at=timezone.now(),
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


def jobs_requeue_waiting(
    *,
    now: datetime | None = None,
    after: timedelta = REQUEUE_AFTER,
    give_up_after: timedelta = GIVE_UP_AFTER,
) -> dict[str, int]:
    """Send again the queued jobs no worker has claimed ``after`` they were queued;
    mark failed those still queued ``give_up_after``. Returns
    ``{"requeued": n, "given_up": n}``.

    A job is queued since it was created or, if a database error handed it back to
    the queue, since then (its heartbeat). Sending a job twice is harmless: the
    first worker to claim it runs it, a second delivery finds it claimed.
    """
    now = now or timezone.now()
    queued = JobRun.objects.filter(status=Status.QUEUED)

    def queued_before(cutoff: datetime) -> Q:
        return Q(heartbeat_at__lt=cutoff) | Q(
            heartbeat_at__isnull=True, created_at__lt=cutoff
        )

    given_up = queued.filter(queued_before(now - give_up_after)).update(
        status=Status.FAILED,
        finished_at=now,
        message=_("Never started"),
        error=_(GIVE_UP_MESSAGE)
        % {"minutes": int(give_up_after.total_seconds() // 60)},
    )
    ids = list(
        queued.filter(queued_before(now - after))
        .order_by("pk")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    requeued = 0
    for job_id in ids:  # at most REQUEUE_BATCH, each one broker round trip
        if not _enqueue(job_id, again=True):
            break  # the broker is still down: the next sweep tries again
        requeued += 1
    return {"requeued": requeued, "given_up": given_up}


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic repair: fail the running jobs whose worker died, send again the
    queued jobs nobody claimed, give up on those queued too long."""
    now = now or timezone.now()
    failed = jobs_fail_stale(now=now)
    return {"stale_failed": failed, **jobs_requeue_waiting(now=now)}


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
