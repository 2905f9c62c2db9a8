"""The customer import pages: upload, preview (nothing written yet), confirm.

The uploaded file is kept between the preview and the confirmation in the default
file storage under a random name chosen here. The session remembers that name;
the browser only ever sends a random token, which must match the session's, so no
path from the client is ever used. The file is deleted once imported or cancelled,
and uploads older than a day are purged whenever a new file is uploaded.
"""

import logging
import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from customers.forms_import import CustomerImportForm
from customers.importing import COLUMNS, CustomerImportResult, customer_import
from customers.models import Customer
from sms.import_jobs import import_job_start, inline_max_rows
from sms.imports import ImportFileError, problems_csv

logger = logging.getLogger(__name__)

SESSION_KEY = "customers.import"
UPLOAD_DIR = "customer-imports"
UPLOAD_MAX_AGE = timedelta(days=1)
PROBLEMS_SHOWN = 500


@permission_required("customers.import_customer", raise_exception=True)
def customer_import_view(request: HttpRequest) -> HttpResponse:
    form = CustomerImportForm(
        request.POST or None, request.FILES or None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        _pending_discard(request)
        _uploads_purge()
        owner = form.cleaned_data.get("default_owner") or request.user
        if form.row_count > inline_max_rows():
            # Too long for one request: checked and imported by a worker.
            job = import_job_start(
                kind="customers",
                user=request.user,
                file=form.cleaned_data["file"],
                filename=form.cleaned_data["file"].name,
                rows=form.row_count,
                options={"default_owner": owner.pk},
            )
            return redirect(job)
        token = uuid.uuid4().hex
        path = default_storage.save(
            f"{UPLOAD_DIR}/{token}.csv", form.cleaned_data["file"]
        )
        request.session[SESSION_KEY] = {
            "token": token,
            "path": path,
            "filename": form.cleaned_data["file"].name[:100],
            "owner": owner.pk,
        }
        return redirect("customers:customer-import-preview", token=token)
    return render(
        request,
        "customers/customer_import.html",
        {
            "form": form,
            "industries": Customer.Industry.values,
            "channels": Customer.Channel.values,
        },
    )


@permission_required("customers.import_customer", raise_exception=True)
def customer_import_preview_view(request: HttpRequest, token: str) -> HttpResponse:
    pending = _pending(request, token)
    if pending is None:
        messages.warning(
            request, "That import is no longer waiting; please upload the file again."
        )
        return redirect("customers:customer-import")
    if "done" in pending:
        return render(
            request,
            "customers/customer_import_preview.html",
            {"pending": pending, "done": pending["done"], "token": token},
        )

    action = request.POST.get("action") if request.method == "POST" else None
    if action == "cancel":
        _pending_discard(request)
        messages.info(request, "Import cancelled; nothing was written.")
        return redirect("customers:customer-import")

    writing = action in ("import", "import-good")
    try:
        result = _run(
            request,
            pending,
            dry_run=not writing,
            good_rows_only=action == "import-good",
        )
    except FileNotFoundError:
        _pending_discard(request)
        messages.warning(request, "The uploaded file has gone; please upload it again.")
        return redirect("customers:customer-import")
    except IntegrityError:
        # Someone else saved a clashing customer between the check and the write.
        logger.warning("customer import %s: integrity error on write", token)
        messages.error(
            request,
            "Another change to the customers got in the way; nothing was imported. "
            "Please check the preview and try again.",
        )
        return redirect("customers:customer-import-preview", token=token)

    if result.written:
        default_storage.delete(pending["path"])
        summary = f"{result.created} created, {result.updated} updated"
        if not result.problems:
            _pending_discard(request)
            messages.success(request, f"Customers imported: {summary}.")
            return redirect("customers:customer-list")
        # The bad rows are kept for download: after the import they would be
        # checked against the customers just written.
        problems_path = default_storage.save(
            f"{UPLOAD_DIR}/{token}-bad-rows.csv",
            ContentFile(problems_csv(result=result, columns=COLUMNS).encode()),
        )
        pending.update(
            path="",
            problems=problems_path,
            done={
                "created": result.created,
                "updated": result.updated,
                "bad_rows": result.rows - result.good_rows,
            },
        )
        request.session[SESSION_KEY] = pending
        messages.success(request, f"Customers imported: {summary}.")
        return redirect("customers:customer-import-preview", token=token)
    if writing:
        messages.error(
            request,
            "Nothing was imported: some rows have problems now. Check them below.",
        )
    return render(
        request,
        "customers/customer_import_preview.html",
        _preview_context(pending=pending, result=result, token=token),
    )


@permission_required("customers.import_customer", raise_exception=True)
def customer_import_problems_view(request: HttpRequest, token: str) -> HttpResponse:
    """The bad rows as CSV, with their line and reason, to fix and import again."""
    pending = _pending(request, token)
    if pending is None:
        messages.warning(request, "That import is no longer waiting.")
        return redirect("customers:customer-import")
    try:
        if pending.get("problems"):
            with default_storage.open(pending["problems"], "rb") as file:
                text = file.read().decode()
        else:
            text = problems_csv(
                result=_run(request, pending, dry_run=True), columns=COLUMNS
            )
    except FileNotFoundError:
        _pending_discard(request)
        messages.warning(request, "The uploaded file has gone; please upload it again.")
        return redirect("customers:customer-import")
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customers-bad-rows.csv"'
    return response


def _run(
    request, pending: dict, *, dry_run: bool, good_rows_only: bool = False
) -> CustomerImportResult:
    if request.user.has_perm("customers.reassign_customer"):
        owner = (
            get_user_model().objects.filter(pk=pending["owner"], is_active=True).first()
        )
    else:
        owner = request.user
    try:
        with default_storage.open(pending["path"], "rb") as file:
            return customer_import(
                file=file,
                default_owner=owner,
                dry_run=dry_run,
                good_rows_only=good_rows_only,
                imported_by=request.user,
            )
    except ImportFileError as exc:  # checked on upload; only if the file changed
        raise FileNotFoundError(str(exc)) from exc


def _preview_context(*, pending: dict, result: CustomerImportResult, token: str):
    bad_rows = result.rows - result.good_rows
    return {
        "pending": pending,
        "token": token,
        "result": result,
        "bad_rows": bad_rows,
        "problems": result.problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(0, len(result.problems) - PROBLEMS_SHOWN),
    }


def _pending(request, token: str) -> dict | None:
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("token") != token:
        return None
    return pending


def _pending_discard(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
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
