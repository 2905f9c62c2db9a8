"""The order history import pages: upload, preview (nothing written yet), confirm.

The same flow as the customer import (customers.views_import): the uploaded file is
kept between the preview and the confirmation in the default file storage under a
random name chosen here. The session remembers that name; the browser only ever
sends a random token, which must match the session's, so no path from the client is
ever used. The file is deleted once imported or cancelled, and uploads older than a
day are purged whenever a new file is uploaded.
"""

import logging
import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.forms_import import OrderImportForm
from orders.importing import COLUMNS, OrderImportResult, order_import
from orders.models import Order
from sms.import_jobs import import_job_start, inline_max_rows
from sms.imports import ImportFileError, problems_csv

logger = logging.getLogger(__name__)

SESSION_KEY = "orders.import"
UPLOAD_DIR = "order-imports"
UPLOAD_MAX_AGE = timedelta(days=1)
PROBLEMS_SHOWN = 500
SKIPPED_SHOWN = 100
PERMISSION = "orders.import_order"


@permission_required(PERMISSION, raise_exception=True)
def order_import_view(request: HttpRequest) -> HttpResponse:
    form = OrderImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _pending_discard(request)
        _uploads_purge()
        if form.row_count > inline_max_rows():
            # Too long for one request: checked and imported by a worker.
            job = import_job_start(
                kind="orders",
                user=request.user,
                file=form.cleaned_data["file"],
                filename=form.cleaned_data["file"].name,
                rows=form.row_count,
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
        }
        return redirect("orders:order-import-preview", token=token)
    return render(
        request,
        "orders/order_import.html",
        {"form": form, "statuses": Order.Status},
    )


@permission_required(PERMISSION, raise_exception=True)
def order_import_preview_view(request: HttpRequest, token: str) -> HttpResponse:
    pending = _pending(request, token)
    if pending is None:
        messages.warning(
            request,
            _("That import is no longer waiting; please upload the file again."),
        )
        return redirect("orders:order-import")
    if "done" in pending:
        return render(
            request,
            "orders/order_import_preview.html",
            {"pending": pending, "done": pending["done"], "token": token},
        )

    action = request.POST.get("action") if request.method == "POST" else None
    if action == "cancel":
        _pending_discard(request)
        messages.info(request, _("Import cancelled; nothing was written."))
        return redirect("orders:order-import")

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
        messages.warning(
            request, _("The uploaded file has gone; please upload it again.")
        )
        return redirect("orders:order-import")
    except IntegrityError:
        # Someone else wrote one of the order numbers between the check and the write.
        logger.warning("order import %s: integrity error on write", token)
        messages.error(
            request,
            _(
                "Another change to the orders got in the way; nothing was imported. "
                "Please check the preview and try again."
            ),
        )
        return redirect("orders:order-import-preview", token=token)

    if result.written:
        default_storage.delete(pending["path"])
        problems_path = ""
        if result.problems:
            # The bad rows are kept for download: after the import they would be
            # checked against the orders just written.
            problems_path = default_storage.save(
                f"{UPLOAD_DIR}/{token}-bad-rows.csv",
                ContentFile(problems_csv(result=result, columns=COLUMNS).encode()),
            )
        pending.update(
            path="",
            problems=problems_path,
            done={
                "created": result.created,
                "lines": result.lines_created,
                "skipped": len(result.skipped),
                "bad_rows": result.bad_rows,
                "rejected": len(result.rejected),
            },
        )
        request.session[SESSION_KEY] = pending
        messages.success(
            request,
            _("Orders imported: %(orders)d created (%(lines)s).")
            % {
                "orders": result.created,
                "lines": ngettext("%(n)d line", "%(n)d lines", result.lines_created)
                % {"n": result.lines_created},
            },
        )
        return redirect("orders:order-import-preview", token=token)
    if writing:
        messages.error(
            request,
            _("Nothing was imported: some rows have problems now. Check them below."),
        )
    return render(
        request,
        "orders/order_import_preview.html",
        _preview_context(pending=pending, result=result, token=token),
    )


@permission_required(PERMISSION, raise_exception=True)
def order_import_problems_view(request: HttpRequest, token: str) -> HttpResponse:
    """The bad rows as CSV, with their line and reason, to fix and import again."""
    pending = _pending(request, token)
    if pending is None:
        messages.warning(request, _("That import is no longer waiting."))
        return redirect("orders:order-import")
    try:
        if pending.get("problems"):
            with default_storage.open(pending["problems"], "rb") as file:
                text = file.read().decode()
        elif pending.get("path"):
            text = problems_csv(
                result=_run(request, pending, dry_run=True), columns=COLUMNS
            )
        else:
            raise FileNotFoundError  # imported without problems: nothing to give
    except FileNotFoundError:
        _pending_discard(request)
        messages.warning(
            request, _("The uploaded file has gone; please upload it again.")
        )
        return redirect("orders:order-import")
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="orders-bad-rows.csv"'
    return response


def _run(
    request, pending: dict, *, dry_run: bool, good_rows_only: bool = False
) -> OrderImportResult:
    try:
        with default_storage.open(pending["path"], "rb") as file:
            return order_import(
                file=file,
                dry_run=dry_run,
                good_rows_only=good_rows_only,
                imported_by=request.user,
            )
    except ImportFileError as exc:  # checked on upload; only if the file changed
        raise FileNotFoundError(str(exc)) from exc


def _preview_context(*, pending: dict, result: OrderImportResult, token: str):
    return {
        "pending": pending,
        "token": token,
        "result": result,
        "bad_rows": result.bad_rows,
        "problems": result.problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(0, len(result.problems) - PROBLEMS_SHOWN),
        "skipped": result.skipped[:SKIPPED_SHOWN],
        "skipped_hidden": max(0, len(result.skipped) - SKIPPED_SHOWN),
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
