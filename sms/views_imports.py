"""The page of a background import job (sms.import_jobs): status and progress while
it runs, then what the file would do or did, with its bad rows; the confirmation.

Only the user who uploaded the file, and managers, see a job: anyone else gets 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from sms.import_jobs import (
    IMPORT_KINDS,
    ImportKind,
    import_job_cancel,
    import_job_confirm,
    import_jobs_for,
)
from sms.models import ImportJob

PROBLEMS_SHOWN = 500


def _job(request: HttpRequest, pk: int) -> tuple[ImportJob, ImportKind]:
    job = get_object_or_404(import_jobs_for(user=request.user), pk=pk)
    kind = IMPORT_KINDS.get(job.kind)
    if kind is None:
        raise Http404
    if not request.user.has_perm(kind.permission):
        raise PermissionDenied
    return job, kind


def import_job_view(request: HttpRequest, pk: int) -> HttpResponse:
    job, kind = _job(request, pk)
    if request.method == "POST":
        return _act(request, job, kind)
    summary = job.summary or {}
    return render(
        request,
        "sms/import_job.html",
        {
            "job": job,
            "kind": kind,
            "summary": summary,
            "facts": summary.get("facts", []),
            "problems": job.problems[:PROBLEMS_SHOWN],
            "problems_hidden": max(
                0,
                summary.get("problem_count", 0)
                - min(len(job.problems), PROBLEMS_SHOWN),
            ),
            "confirmable": job.status == ImportJob.Status.DONE
            and job.mode == ImportJob.Mode.CHECK
            and bool(job.file),
        },
    )


def _act(request: HttpRequest, job: ImportJob, kind: ImportKind) -> HttpResponse:
    action = request.POST.get("action")
    if action == "cancel":
        if import_job_cancel(job=job):
            messages.info(request, _("Import cancelled; nothing was written."))
            return redirect(kind.upload_url)
    elif action in ("import", "import-good"):
        good_rows_only = action == "import-good"
        if not good_rows_only and (job.summary or {}).get("bad_rows"):
            messages.error(
                request,
                _(
                    "Nothing is imported while any row is bad: fix the file, or "
                    "import only the good rows."
                ),
            )
        elif import_job_confirm(job=job, good_rows_only=good_rows_only):
            messages.info(
                request,
                _("Import started: this page shows its progress."),
            )
        else:
            messages.warning(
                request, _("This import is not waiting for a confirmation any more.")
            )
    return redirect(job)


def import_job_problems_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Every bad row of the job's last run as CSV, with its line and reason."""
    job, kind = _job(request, pk)
    if not job.problems_file:
        raise Http404(_("This import has no bad rows to download."))
    try:
        with default_storage.open(job.problems_file, "rb") as file:
            text = file.read().decode()
    except FileNotFoundError:
        raise Http404(_("The bad rows of this import were deleted.")) from None
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind.key}-bad-rows.csv"'
    return response
