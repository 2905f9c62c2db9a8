"""Large CSV imports in the background: one mechanism for every import page.

An upload of more than ``SMS_IMPORT_INLINE_MAX_ROWS`` rows is not checked or
written within the web request (a 10 MB file takes longer than the web server's
timeout). The page stores the file, creates an ImportJob ("check", queued) with
``import_job_start`` and redirects to the job's page. After commit a Celery task
runs the job; its page shows the status and a progress bar and refreshes itself.

A job is run twice: first a check (a dry run: what the file would do and every bad
row, exactly as the inline preview shows it), then, once its user confirms
(``import_job_confirm``), the import itself, all or nothing unless the user chose
the good rows only, as inline. ``import_job_execute`` claims the row with one
conditional UPDATE (queued -> running), so a task delivered twice runs once.

If the broker is down the row stays queued; ``import_jobs_sweep`` (every 5 minutes,
the periodic task "sms.tasks.import_jobs_sweep") sends such rows again, fails the
running ones whose worker died, gives up on rows queued for an hour and deletes the
uploads of jobs finished a day ago.

Every import is a declaration on sms.import_pipeline; the job runs it through
``import_run`` like the page and the command do.
"""

import logging
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sms.import_pipeline import (
    IMPORTS,
    PAGE,
    ImportContext,
    ImportDeclaration,
    import_run,
    problems_grouped,
)
from sms.imports import ImportFileError, ImportResult, problems_csv
from sms.models import ImportJob
from sms.roles import user_is_manager

logger = logging.getLogger(__name__)
Status = ImportJob.Status
Mode = ImportJob.Mode

UPLOAD_DIR = "import-jobs"
PROBLEMS_KEPT = 500  # shown on the page; the CSV download has them all
STALE_AFTER = timedelta(minutes=15)
REQUEUE_AFTER = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=1)
FILES_KEPT = timedelta(days=1)
REQUEUE_BATCH = 100

# progress(done, total): rows checked (or orders written) so far.
Progress = Callable[[int, int], None]


def checking_progress(progress: Progress):
    """The pipeline's ``progress(phase, advance, total)`` callback that reports the
    rows checked so far to a job's ``progress(done, total)``."""
    done = {"rows": 0}

    def checked(phase: str, advance: int, total: int) -> None:
        if phase == "checking":
            done["rows"] += advance
            progress(done["rows"], total)

    return checked


def import_context(
    *, user: AbstractBaseUser, owner_id: int | None, options: dict, progress=None
) -> ImportContext:
    """The context of an import started on a page: the owner the user chose (an
    active user), else the user themselves."""
    owner = user
    if owner_id and owner_id != user.pk:
        owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
    return ImportContext(user=user, owner=owner, options=options, progress=progress)


def inline_max_rows() -> int:
    """Uploads with more rows than this run as a background job."""
    return settings.SMS_IMPORT_INLINE_MAX_ROWS


def import_jobs_for(*, user: AbstractBaseUser) -> QuerySet[ImportJob]:
    """The jobs a user may see: their own; managers and admins see every job."""
    jobs = ImportJob.objects.select_related("created_by")
    if user_is_manager(user):
        return jobs
    return jobs.filter(created_by=user)


# -- starting, confirming, cancelling ------------------------------------------------


def import_job_start(
    *,
    kind: str,
    user: AbstractBaseUser,
    file,
    filename: str,
    rows: int,
    options: dict | None = None,
) -> ImportJob:
    """Store the upload (bytes or a file), queue its check and run it after commit."""
    content = ContentFile(file) if isinstance(file, bytes) else file
    path = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.csv", content)
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=IMPORTS[kind].key,
            mode=Mode.CHECK,
            file=path,
            filename=filename[:100],
            rows=rows,
            options=options or {},
            created_by=user,
            message=_("Waiting for a worker"),
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def import_job_confirm(*, job: ImportJob, good_rows_only: bool) -> bool:
    """Queue the import of a checked file. False if it is not waiting for that
    (already confirmed in another tab, cancelled, expired)."""
    with transaction.atomic():
        confirmed = (
            ImportJob.objects.filter(pk=job.pk, mode=Mode.CHECK, status=Status.DONE)
            .exclude(file="")
            .update(
                mode=Mode.IMPORT,
                good_rows_only=good_rows_only,
                status=Status.QUEUED,
                progress=0,
                message=_("Waiting for a worker"),
                error="",
                started_at=None,
                finished_at=None,
                heartbeat_at=None,
                task_id="",
            )
        )
        if confirmed:
            transaction.on_commit(lambda: _enqueue(job.pk))
    return bool(confirmed)


def import_job_cancel(*, job: ImportJob) -> bool:
    """Drop a checked file without importing it."""
    cancelled = ImportJob.objects.filter(
        pk=job.pk, mode=Mode.CHECK, status=Status.DONE
    ).update(status=Status.CANCELLED, message=_("Cancelled; nothing was written."))
    if cancelled:
        _files_delete(job)
    return bool(cancelled)


def _enqueue(job_id: int, *, again: bool = False) -> bool:
    """Hand the job to a worker. Never raises: the row is the source of truth."""
    from sms.tasks import import_job_run as import_job_run_task

    try:
        result = import_job_run_task.apply_async((job_id,), retry=False)
    except Exception:
        logger.warning(
            "Import job %s not enqueued: broker down.", job_id, exc_info=True
        )
        ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            message=_(
                "Waiting: the job queue is unavailable right now. The job is sent "
                "again every 5 minutes and runs once the queue is back."
            )
        )
        return False
    ImportJob.objects.filter(pk=job_id, task_id="").update(task_id=result.id or "")
    if again:
        ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            message=_("Sent to the workers again; waiting for one to start it")
        )
    return True


# -- running --------------------------------------------------------------------------


def _progress_writer(job: ImportJob) -> Progress:
    shown = {"percent": -1}
    # Checking is most of an import's time; the write is one transaction whose
    # progress nobody else could see before it commits, so runners report only
    # the rows checked, and the write is the last 10%.
    share = 100 if job.mode == Mode.CHECK else 90

    def progress(done: int, total: int) -> None:
        if not total:
            return
        percent = min(share, done * share // total)
        if percent == shown["percent"]:
            return  # one write per percent, not per row
        shown["percent"] = percent
        if done >= total and job.mode == Mode.IMPORT:
            message = _("Checked every row; writing them")
        else:
            message = _("Checking row %(done)s of %(total)s") % {
                "done": f"{done:,}",
                "total": f"{total:,}",
            }
        ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            progress=percent, message=message, heartbeat_at=timezone.now()
        )

    return progress


def import_job_execute(*, job_id: int) -> bool:
    """Run one queued job. Returns whether it ran (False: gone, running or done)."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        message=_("Started"),
    )
    if not claimed:
        return False
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    kind = IMPORTS[job.kind]
    options = dict(job.options)
    context = import_context(
        user=job.created_by,
        owner_id=options.pop("owner", None),
        options=options,
        progress=checking_progress(_progress_writer(job)),
    )
    try:
        if not job.file:
            raise FileNotFoundError(job.pk)
        with default_storage.open(job.file, "rb") as file:
            result, planner = import_run(
                kind,
                file=file,
                context=context,
                dry_run=job.mode == Mode.CHECK,
                good_rows_only=job.good_rows_only,
            )
            facts = planner.facts(result)
    except (OperationalError, InterfaceError):
        # Transient database trouble: back to the queue for the task's retry.
        logger.warning("Import job %s: database error; retrying.", job_id)
        ImportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
            status=Status.QUEUED,
            message=_("Database error; retrying"),
            heartbeat_at=timezone.now(),
        )
        raise
    except (ImportFileError, FileNotFoundError, IntegrityError) as exc:
        _fail(job, _failure_message(exc), exc)
        return True
    except Exception as exc:
        logger.exception("Import job %s (%s) failed.", job_id, job.kind)
        _fail(job, _("An unexpected error stopped the job; nothing was written."), exc)
        return True
    _finish(job, kind, result, facts)
    return True


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, ImportFileError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return _("The uploaded file has gone; please upload it again.")
    return _(
        "Another change got in the way; nothing was imported. Upload the file "
        "again to check it against the data as it is now."
    )


def _fail(job: ImportJob, message: str, exc: Exception) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        message=message[:255],
        error=(
            f"{type(exc).__name__}: {exc}\n\n"
            + "".join(traceback.format_exception(exc)[-5:])
        )[:10000],
    )
    _files_delete(job)


def _finish(
    job: ImportJob, kind: ImportDeclaration, result: ImportResult, facts
) -> None:
    problems_file = ""
    if result.problems:
        problems_file = default_storage.save(
            f"{UPLOAD_DIR}/{uuid.uuid4().hex}-bad-rows.csv",
            ContentFile(problems_csv(result=result, columns=kind.columns).encode()),
        )
    if job.problems_file:
        default_storage.delete(job.problems_file)
    summary = {
        "rows": result.rows,
        "good_rows": result.good_rows,
        "bad_rows": result.rows - result.good_rows,
        "created": result.created,
        "updated": result.updated,
        "written": result.written,
        "problem_count": len(result.problems),
        "facts": [[str(label), number] for label, number in facts],
        "groups": [
            {
                "column": g.column,
                "text": g.text,
                "count": g.count,
                "lines": g.lines,
                "lines_more": g.lines_more,
                "fix": str(g.fix),
                "fix_url": g.fix_url,
            }
            for g in problems_grouped(result.problems, declaration=kind, channel=PAGE)
        ],
    }
    fields = {
        "status": Status.DONE,
        "finished_at": timezone.now(),
        "heartbeat_at": timezone.now(),
        "progress": 100,
        "rows": result.rows,
        "summary": summary,
        "problems_file": problems_file,
        "problems": [
            {
                "line": p.line,
                "column": p.column,
                "message": p.message,
                "key": p.values.get(kind.key_column, ""),
            }
            for p in result.problems[:PROBLEMS_KEPT]
        ],
    }
    if job.mode == Mode.CHECK:
        fields["message"] = _("Checked; nothing is written until you confirm.")
    elif result.written:
        fields["message"] = _("Imported.")
        fields["file"] = ""
    else:
        # Rows turned bad between the check and the import: back to the check's
        # choices (fix the file, or import the good rows only).
        fields["mode"] = Mode.CHECK
        fields["message"] = _(
            "Nothing was imported: some rows have problems now. Check them below."
        )
    ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(**fields)
    if job.mode == Mode.IMPORT and result.written:
        default_storage.delete(job.file)


def _files_delete(job: ImportJob) -> None:
    if job.file:
        default_storage.delete(job.file)
        ImportJob.objects.filter(pk=job.pk).update(file="")


# -- the periodic sweep -------------------------------------------------------------


def import_jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Fail running jobs whose worker died, send again the queued jobs nobody
    claimed, give up on those queued an hour, delete day-old uploads."""
    now = now or timezone.now()
    stale = ImportJob.objects.filter(
        Q(heartbeat_at__lt=now - STALE_AFTER)
        | Q(heartbeat_at__isnull=True, started_at__lt=now - STALE_AFTER),
        status=Status.RUNNING,
    ).update(
        status=Status.FAILED,
        finished_at=now,
        message=_("The worker stopped responding; nothing was written. Try again."),
    )
    queued = ImportJob.objects.filter(status=Status.QUEUED)

    def queued_before(cutoff: datetime) -> Q:
        return Q(heartbeat_at__lt=cutoff) | Q(
            heartbeat_at__isnull=True, created_at__lt=cutoff
        )

    given_up = queued.filter(queued_before(now - GIVE_UP_AFTER)).update(
        status=Status.FAILED,
        finished_at=now,
        message=_(
            "No worker picked the job up within an hour (the job queue or the "
            "workers were unavailable); nothing was written. Try again."
        ),
    )
    requeued = 0
    ids = queued.filter(queued_before(now - REQUEUE_AFTER)).order_by("pk")
    for job_id in ids.values_list("pk", flat=True)[:REQUEUE_BATCH]:
        if not _enqueue(job_id, again=True):
            break  # the broker is still down: the next sweep tries again
        requeued += 1
    expired = 0
    old = ImportJob.objects.exclude(status__in=[Status.QUEUED, Status.RUNNING]).filter(
        Q(finished_at__lt=now - FILES_KEPT) | Q(finished_at__isnull=True),
        created_at__lt=now - FILES_KEPT,
    )
    for job in old.exclude(file="", problems_file=""):
        for name in (job.file, job.problems_file):
            if name:
                default_storage.delete(name)
        if job.mode == Mode.CHECK and job.status == Status.DONE:
            job.status = Status.CANCELLED
            job.message = _("Not confirmed within a day; the upload was deleted.")
        job.file = job.problems_file = ""
        job.save(update_fields=["file", "problems_file", "status", "message"])
        expired += 1
    return {
        "stale_failed": stale,
        "requeued": requeued,
        "given_up": given_up,
        "expired": expired,
    }
