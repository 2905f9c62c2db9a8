"""Background jobs: start, run and watch analytics jobs (segmentation, forecast).

A job is first a row (JobRun, status "queued") written by ``job_start``; after
commit a Celery task is enqueued to run it. If the broker is down the enqueue fails
quietly and the row stays queued with a message saying so.

``job_execute`` claims the row with one conditional UPDATE: queued -> running, or
running but silent for SMS_JOB_STALE_SECONDS (its worker died) -> running again.
Each claim is an attempt (``attempt`` + 1, at most SMS_JOB_MAX_ATTEMPTS) that starts
the job from the beginning. So a message delivered again after its worker died
restarts the job, while a second delivery of a job whose worker is alive, or of a
finished one, does nothing. While the runner works, a thread stamps the row's
heartbeat every SMS_JOB_HEARTBEAT_SECONDS, whatever the runner is doing (a long
model fit reports no progress for minutes). Every write of an attempt is
conditional on it still being the job's current attempt: one that was superseded
(its worker only seemed dead) stops at its next progress report and writes nothing.

``jobs_sweep`` (every minute from django-celery-beat, the periodic task
"analytics.tasks.jobs_fail_stale") repairs what a broken worker or broker leaves:
a running job without a heartbeat for SMS_JOB_STALE_SECONDS is handed back to the
queue and sent to the workers again, or marked failed if that was its last attempt
(with Redis, the dead worker's own message only comes back after the broker's
visibility timeout, an hour, so the sweep is what restarts it); a queued job no
worker claimed REQUEUE_AFTER after it was queued (or last sent) is sent again; and
one still queued after GIVE_UP_AFTER is marked failed with a message saying so.

Runners are registered in ``JOB_RUNNERS`` by dotted path (analytics/apps.py):
``runner(job, parameters, progress) -> dict`` returns the JSON summary stored on
the row. A runner may run more than once for a job (a restart), so it writes its
results in one transaction that first calls ``job_attempt_lock`` and replaces what
an earlier attempt wrote.
"""

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from analytics.models import JobRun
from sms.job_rows import job_row_enqueue, queued_before

logger = logging.getLogger(__name__)
Status = JobRun.Status

Progress = Callable[[int, str], None]
Runner = Callable[[JobRun, dict, Progress], dict]

# kind -> runner(job, parameters, progress) -> summary dict
JOB_RUNNERS: dict[str, Runner] = {}

# Why an attempt did not finish (JobRun.retry_reason), and the error once the last
# attempt went the same way.
STALE_REASON = gettext_noop(
    "the previous worker stopped (no heartbeat for %(seconds)d s)"
)
DATABASE_REASON = gettext_noop("the previous attempt lost its database connection")
STALE_MESSAGE = gettext_noop(
    "The job was started %(attempts)d times and each time its worker stopped (no "
    "heartbeat for %(seconds)d s), so it was marked failed. Start it again; if it "
    "stops again, see the workers' logs (a worker killed for using too much memory "
    "or time stops like this)."
)

# A queued job not claimed this long after it was queued, or last sent again, is
# sent (again). Long enough for its own message to be picked up by an idle worker.
REQUEUE_AFTER = timedelta(minutes=5)
# ... and is given up after this long: failed, with GIVE_UP_MESSAGE.
GIVE_UP_AFTER = timedelta(hours=1)
GIVE_UP_MESSAGE = gettext_noop(
    "No worker picked the job up within %(minutes)d minutes (the job queue or the "
    "workers were unavailable), so it never started and was marked failed. Start "
    "it again."
)
# The most jobs one sweep sends (again): a backlog drains over a few sweeps.
REQUEUE_BATCH = 100


class JobSuperseded(Exception):
    """This attempt is no longer the job's current one (the job was restarted
    elsewhere or marked failed meanwhile): stop, and write nothing."""


def stale_after() -> timedelta:
    """How long a running job may go without a heartbeat before it counts as dead."""
    return timedelta(seconds=settings.SMS_JOB_STALE_SECONDS)


def max_attempts() -> int:
    return settings.SMS_JOB_MAX_ATTEMPTS


def job_runner_register(kind: str, path: str) -> None:
    """Register the runner of job kind ``kind`` by its dotted path
    ("analytics.runners.forecast_run"). The module is imported when a job of that
    kind first runs, not when Django starts: runners import pandas and
    scikit-learn, which every process (web, beat, commands) would load otherwise."""

    def runner(job: JobRun, parameters: dict, progress: Progress) -> dict:
        return import_string(path)(job, parameters, progress)

    JOB_RUNNERS[kind] = runner


def _enqueue(job_id: int, *, again: bool = False) -> bool:
    """Hand the job to a worker. Never raises: the row is the source of truth.
    Returns whether the broker took the message."""
    from analytics.tasks import job_run as job_run_task

    queued = JobRun.objects.filter(status=Status.QUEUED)
    return job_row_enqueue(
        queued, job_run_task, job_id, again=again, what=f"Job {job_id}"
    )


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


def _current(job: JobRun):
    """The job's row while ``job`` (as claimed) is still its current attempt."""
    return JobRun.objects.filter(pk=job.pk, status=Status.RUNNING, attempt=job.attempt)


def job_attempt_lock(*, job: JobRun) -> None:
    """Inside the transaction in which a runner writes its results: lock the job's
    row and check no later attempt has started, so an attempt that was superseded
    writes nothing and two attempts never write at the same time. Raises
    JobSuperseded otherwise."""
    row = JobRun.objects.select_for_update().filter(pk=job.pk, attempt=job.attempt)
    if row.values_list("pk", flat=True).first() is None:
        raise JobSuperseded(job.pk)


def _progress_writer(job: JobRun, observer: Progress | None = None) -> Progress:
    def progress(percent: int, message: str = "") -> None:
        percent = max(0, min(100, int(percent)))
        if not _current(job).update(
            progress=percent, message=str(message)[:255], heartbeat_at=timezone.now()
        ):
            # Failed or restarted elsewhere meanwhile: this attempt is over.
            raise JobSuperseded(job.pk)
        if observer is not None:
            observer(percent, str(message))

    return progress


class _Heartbeat:
    """While the block runs, a daemon thread stamps the attempt's heartbeat every
    SMS_JOB_HEARTBEAT_SECONDS, on its own database connection (closed at the end),
    so a runner busy for minutes without reporting progress never looks dead. It
    stops by itself once the attempt is no longer current."""

    def __init__(self, job: JobRun):
        self.job = job
        self.interval = settings.SMS_JOB_HEARTBEAT_SECONDS
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, name=f"job-{job.pk}-heartbeat", daemon=True
        )

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    if not _current(self.job).update(heartbeat_at=timezone.now()):
                        return
                except DatabaseError:
                    # Missed beats are survivable (the sweep allows several); a
                    # fresh connection is tried on the next one.
                    logger.warning(
                        "Job %s: heartbeat not written.", self.job.pk, exc_info=True
                    )
                    connection.close()
        finally:
            connection.close()

    def __enter__(self) -> "_Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)


def _claim(job_id: int) -> JobRun | None:
    """Start an attempt of the job, if this delivery may: it is queued, or running
    with a worker silent for SMS_JOB_STALE_SECONDS (dead). Returns the job as
    claimed, or None (gone, finished, running elsewhere, or out of attempts)."""
    row = (
        JobRun.objects.filter(pk=job_id)
        .values("status", "attempt", "heartbeat_at", "retry_reason")
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    # Only the state just read may be claimed: of two deliveries, one wins.
    current = Q(pk=job_id, status=row["status"], attempt=row["attempt"])
    reason = row["retry_reason"]
    if row["status"] == Status.RUNNING:
        silent = _silent_since(now - stale_after())
        if not JobRun.objects.filter(current, silent).exists():
            return None  # its worker is alive: a duplicate delivery
        current &= silent
        reason = _stale_reason()
        if row["attempt"] >= max_attempts():
            _fail_exhausted(JobRun.objects.filter(current), now=now)
            return None
    elif row["status"] != Status.QUEUED or row["attempt"] >= max_attempts():
        return None
    attempt = row["attempt"] + 1
    claimed = JobRun.objects.filter(current).update(
        status=Status.RUNNING,
        attempt=F("attempt") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        retry_reason=reason if attempt > 1 else "",
        message=(
            _("Started")
            if attempt == 1
            else _("Restarted (attempt %(attempt)d of %(max)d)")
            % {"attempt": attempt, "max": max_attempts()}
        ),
    )
    return JobRun.objects.get(pk=job_id) if claimed else None


def _silent_since(cutoff: datetime) -> Q:
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)


def _stale_reason() -> str:
    return _(STALE_REASON) % {"seconds": settings.SMS_JOB_STALE_SECONDS}


def _fail_exhausted(rows, *, now: datetime) -> int:
    return rows.update(
        status=Status.FAILED,
        finished_at=now,
        message=_("Worker stopped responding"),
        error=_(STALE_MESSAGE)
        % {"attempts": max_attempts(), "seconds": settings.SMS_JOB_STALE_SECONDS},
    )


def job_execute(*, job_id: int, observer: Progress | None = None) -> bool:
    """Run an attempt of the job. Returns whether this delivery claimed it (False:
    gone, finished, running elsewhere or out of attempts).

    Each write is its own short statement (autocommit), so the page sees progress
    while the runner works.
    """
    job = _claim(job_id)
    if job is None:
        return False
    runner = JOB_RUNNERS.get(job.kind)
    try:
        if runner is None:
            raise LookupError(f"No runner is registered for job kind {job.kind!r}.")
        with _Heartbeat(job):
            summary = runner(job, dict(job.parameters), _progress_writer(job, observer))
    except JobSuperseded:
        logger.warning("Job %s attempt %s was superseded.", job_id, job.attempt)
        return True
    except (OperationalError, InterfaceError) as exc:
        if job.attempt >= max_attempts():
            _fail(job, exc)
            return True
        # Transient database trouble: hand the job back so the task's retry starts
        # it again. If even this fails, the heartbeat stops and the sweep does it.
        logger.warning("Job %s hit a database error; retrying.", job_id, exc_info=True)
        # The heartbeat dates the return to the queue for jobs_requeue_waiting.
        _current(job).update(
            status=Status.QUEUED,
            message=_("Database error; retrying"),
            retry_reason=_(DATABASE_REASON),
            heartbeat_at=timezone.now(),
        )
        raise
    except Exception as exc:
        _fail(job, exc)
        return True
    _current(job).update(
        status=Status.SUCCEEDED,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        progress=100,
        message=_("Done"),
        summary=summary or {},
        error="",
    )
    return True


def _fail(job: JobRun, exc: Exception) -> None:
    logger.error("Job %s (%s) failed.", job.pk, job.kind, exc_info=exc)
    _current(job).update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        message=_("Failed"),
        error=(
            f"{type(exc).__name__}: {exc}\n\n"
            + "".join(traceback.format_exception(exc)[-5:])
        )[:10000],
    )


def jobs_restart_stale(*, now: datetime | None = None) -> dict[str, int]:
    """The running jobs whose worker has not been heard from for
    SMS_JOB_STALE_SECONDS (it died): hand each back to the queue and send it to the
    workers again, or mark it failed if that was its last attempt. Returns
    ``{"restarted": n, "stale_failed": n}``."""
    now = now or timezone.now()
    silent = _silent_since(now - stale_after())
    running = JobRun.objects.filter(silent, status=Status.RUNNING)
    failed = _fail_exhausted(running.filter(attempt__gte=max_attempts()), now=now)
    restarted = 0
    ids = running.order_by("pk").values_list("pk", flat=True)[:REQUEUE_BATCH]
    for job_id in list(ids):
        # Conditional on the silence still holding: a late beat keeps the job.
        handed_back = running.filter(pk=job_id).update(
            status=Status.QUEUED,
            heartbeat_at=now,  # queued since
            resent_at=now,
            retry_reason=_stale_reason(),
            message=_("The worker stopped; waiting for a worker to start it again"),
        )
        if handed_back:
            restarted += 1
            _enqueue(job_id)  # broker down: jobs_requeue_waiting sends it later
    return {"restarted": restarted, "stale_failed": failed}


def jobs_requeue_waiting(
    *,
    now: datetime | None = None,
    after: timedelta = REQUEUE_AFTER,
    give_up_after: timedelta = GIVE_UP_AFTER,
) -> dict[str, int]:
    """Send again the queued jobs no worker has claimed ``after`` they were queued
    or last sent again; mark failed those queued ``give_up_after``. Returns
    ``{"requeued": n, "given_up": n}``.

    A job is queued since it was created or, if it was handed back to the queue
    (its worker died, or a database error), since then (its heartbeat). Sending a
    job twice is harmless: the first worker to claim it runs it, a second delivery
    finds it claimed.
    """
    now = now or timezone.now()
    queued = JobRun.objects.filter(status=Status.QUEUED)
    given_up = queued.filter(queued_before(now - give_up_after)).update(
        status=Status.FAILED,
        finished_at=now,
        message=_("Never started"),
        error=_(GIVE_UP_MESSAGE)
        % {"minutes": int(give_up_after.total_seconds() // 60)},
    )
    cutoff = now - after
    due = Q(resent_at__lt=cutoff) | Q(resent_at__isnull=True) & queued_before(cutoff)
    ids = list(
        queued.filter(due).order_by("pk").values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    requeued = 0
    for job_id in ids:  # at most REQUEUE_BATCH, each one broker round trip
        if not _enqueue(job_id, again=True):
            break  # the broker is still down: the next sweep tries again
        queued.filter(pk=job_id).update(resent_at=now)
        requeued += 1
    return {"requeued": requeued, "given_up": given_up}


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic repair: restart (or, after the last attempt, fail) the running
    jobs whose worker died, send again the queued jobs nobody claimed, give up on
    those queued too long."""
    now = now or timezone.now()
    return {**jobs_restart_stale(now=now), **jobs_requeue_waiting(now=now)}


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
