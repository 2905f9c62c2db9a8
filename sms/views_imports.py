"""The import pages of every declaration on sms.import_pipeline: upload, preview
(nothing written yet), confirm, the bad rows as CSV; and the page of a background
import job (sms.import_jobs) for files too large for one request.

The uploaded file is kept between the preview and the confirmation in the default
file storage under a random name chosen here. The session remembers that name;
the browser only ever sends a random token, which must match the session's, so no
path from the client is ever used. The file is deleted once imported or cancelled,
and uploads older than a day are purged whenever a new file is uploaded.

Only the user who uploaded a job's file, and managers, see the job: anyone else
gets 404. A user without the declaration's permission gets 403.
"""

import logging
import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sms.forms_imports import ImportUploadForm
from sms.import_jobs import (
    import_context,
    import_job_cancel,
    import_job_confirm,
    import_job_start,
    import_jobs_for,
    inline_max_rows,
)
from sms.import_pipeline import (
    IMPORTS,
    PAGE,
    ImportDeclaration,
    import_run,
    problems_grouped,
)
from sms.imports import ImportFileError, problems_csv
from sms.models import ImportJob

logger = logging.getLogger(__name__)

UPLOAD_DIR = "import-uploads"
UPLOAD_MAX_AGE = timedelta(days=1)
PROBLEMS_SHOWN = 500
NOTES_SHOWN = 100


def _declaration(request: HttpRequest, kind: str) -> ImportDeclaration:
    declaration = IMPORTS.get(kind)
    if declaration is None:
        raise Http404
    if not request.user.has_perm(declaration.permission):
        raise PermissionDenied
    return declaration


def session_key(kind: str) -> str:
    return f"imports.{kind}"


def import_upload_view(request: HttpRequest, kind: str) -> HttpResponse:
    declaration = _declaration(request, kind)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        declaration=declaration,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        _pending_discard(request, kind)
        _uploads_purge()
        upload = form.cleaned_data["file"]
        owner, options = form.owner_and_options()
        if form.row_count > inline_max_rows():
            # Too long for one request: checked and imported by a worker.
            job = import_job_start(
                kind=kind,
                user=request.user,
                file=upload,
                filename=upload.name,
                rows=form.row_count,
                options={"owner": owner, **options},
            )
            return redirect(job)
        token = uuid.uuid4().hex
        path = default_storage.save(f"{UPLOAD_DIR}/{token}.csv", upload)
        request.session[session_key(kind)] = {
            "token": token,
            "path": path,
            "filename": upload.name[:100],
            "owner": owner,
            "options": options,
        }
        return redirect("imports:import-preview", kind=kind, token=token)
    return render(
        request,
        "sms/import_upload.html",
        {"form": form, "kind": declaration, **declaration.help_context()},
    )


def import_preview_view(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    declaration = _declaration(request, kind)
    upload_url = "imports:import-upload"
    pending = _pending(request, kind, token)
    if pending is None:
        messages.warning(
            request,
            _("That import is no longer waiting; please upload the file again."),
        )
        return redirect(upload_url, kind=kind)
    context = {"kind": declaration, "pending": pending, "token": token}
    if "done" in pending:
        return render(
            request, "sms/import_preview.html", {**context, "done": pending["done"]}
        )

    action = request.POST.get("action") if request.method == "POST" else None
    if action == "cancel":
        _pending_discard(request, kind)
        messages.info(request, _("Import cancelled; nothing was written."))
        return redirect(upload_url, kind=kind)

    writing = action in ("import", "import-good")
    try:
        result, planner = _run(
            request,
            declaration,
            pending,
            dry_run=not writing,
            good_rows_only=action == "import-good",
        )
    except FileNotFoundError:
        _pending_discard(request, kind)
        messages.warning(
            request, _("The uploaded file has gone; please upload it again.")
        )
        return redirect(upload_url, kind=kind)
    except IntegrityError:
        # Someone else saved a clashing record between the check and the write.
        logger.warning("%s import %s: integrity error on write", kind, token)
        messages.error(
            request,
            _(
                "Another change got in the way; nothing was imported. Please check "
                "the preview and try again."
            ),
        )
        return redirect("imports:import-preview", kind=kind, token=token)

    if result.written:
        default_storage.delete(pending["path"])
        problems_path = ""
        if result.problems:
            # The bad rows are kept for download: after the import they would be
            # checked against the records just written.
            problems_path = default_storage.save(
                f"{UPLOAD_DIR}/{token}-bad-rows.csv",
                ContentFile(
                    problems_csv(result=result, columns=declaration.columns).encode()
                ),
            )
        pending.update(
            path="",
            problems=problems_path,
            done={
                "created": result.created,
                "updated": result.updated,
                "bad_rows": result.rows - result.good_rows,
                "facts": [[str(label), n] for label, n in planner.facts(result)],
            },
        )
        request.session[session_key(kind)] = pending
        messages.success(
            request,
            _("%(label)s imported: %(created)d created, %(updated)d updated.")
            % {
                "label": declaration.label,
                "created": result.created,
                "updated": result.updated,
            },
        )
        return redirect("imports:import-preview", kind=kind, token=token)
    if writing:
        messages.error(
            request,
            _("Nothing was imported: some rows have problems now. Check them below."),
        )
    notes = planner.notes()
    bad_rows = result.rows - result.good_rows
    return render(
        request,
        "sms/import_preview.html",
        {
            **context,
            "result": result,
            "bad_rows": bad_rows,
            "writable": planner.writable(result),
            "facts": planner.facts(result),
            "groups": problems_grouped(
                result.problems, declaration=declaration, channel=PAGE
            ),
            "problems": result.problems[:PROBLEMS_SHOWN],
            "problem_rows": [
                {
                    "line": p.line,
                    "column": p.column,
                    "message": p.message,
                    "key": p.values.get(declaration.key_column, ""),
                }
                for p in result.problems[:PROBLEMS_SHOWN]
            ],
            "problems_hidden": max(0, len(result.problems) - PROBLEMS_SHOWN),
            "notes": notes[:NOTES_SHOWN],
            "notes_hidden": max(0, len(notes) - NOTES_SHOWN),
        },
    )


def import_problems_view(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    """The bad rows as CSV, with their line and reason, to fix and import again."""
    declaration = _declaration(request, kind)
    pending = _pending(request, kind, token)
    if pending is None:
        messages.warning(request, _("That import is no longer waiting."))
        return redirect("imports:import-upload", kind=kind)
    try:
        if pending.get("problems"):
            with default_storage.open(pending["problems"], "rb") as file:
                text = file.read().decode()
        elif pending.get("path"):
            result, _planner = _run(request, declaration, pending, dry_run=True)
            text = problems_csv(result=result, columns=declaration.columns)
        else:
            raise FileNotFoundError  # imported without problems: nothing to give
    except FileNotFoundError:
        _pending_discard(request, kind)
        messages.warning(
            request, _("The uploaded file has gone; please upload it again.")
        )
        return redirect("imports:import-upload", kind=kind)
    return _csv_response(text, f"{kind}-bad-rows.csv")


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _run(request, declaration, pending: dict, *, dry_run: bool, good_rows_only=False):
    context = import_context(
        user=request.user,
        owner_id=pending.get("owner"),
        options=pending.get("options") or {},
    )
    try:
        with default_storage.open(pending["path"], "rb") as file:
            return import_run(
                declaration,
                file=file,
                context=context,
                dry_run=dry_run,
                good_rows_only=good_rows_only,
            )
    except ImportFileError as exc:  # checked on upload; only if the file changed
        raise FileNotFoundError(str(exc)) from exc


def _pending(request, kind: str, token: str) -> dict | None:
    pending = request.session.get(session_key(kind))
    if not pending or pending.get("token") != token:
        return None
    return pending


def _pending_discard(request, kind: str) -> None:
    pending = request.session.pop(session_key(kind), None)
    for key in ("path", "problems"):
        if pending and pending.get(key):
            default_storage.delete(pending[key])


def _uploads_purge() -> None:
    """Delete uploads left behind by imports never confirmed or cancelled."""
    cutoff = timezone.now() - UPLOAD_MAX_AGE
    try:
        _dirs, names = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in names:
        path = f"{UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


# -- background jobs ------------------------------------------------------------------


def _job(request: HttpRequest, pk: int) -> tuple[ImportJob, ImportDeclaration]:
    job = get_object_or_404(import_jobs_for(user=request.user), pk=pk)
    return job, _declaration(request, job.kind)


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
            "groups": summary.get("groups", []),
            "problems": job.problems[:PROBLEMS_SHOWN],
            "problem_rows": job.problems[:PROBLEMS_SHOWN],
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


def _act(request: HttpRequest, job: ImportJob, kind: ImportDeclaration) -> HttpResponse:
    action = request.POST.get("action")
    if action == "cancel":
        if import_job_cancel(job=job):
            messages.info(request, _("Import cancelled; nothing was written."))
            return redirect("imports:import-upload", kind=kind.key)
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
    return _csv_response(text, f"{kind.key}-bad-rows.csv")
