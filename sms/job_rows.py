"""What the jobs whose state is a database row share (analytics runs; background
imports, sms.import_jobs, can take these too): sending a queued row to a worker
through the broker, and finding the queued rows nobody claimed. The row is the
source of truth: a message the broker did not take is sent again by a sweep."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sms.broker import enqueue


def queued_before(cutoff: datetime) -> Q:
    """Queued rows waiting since before ``cutoff``: since they were handed back to
    the queue (their heartbeat: a worker died, or a database error) or else since
    they were created."""
    return Q(heartbeat_at__lt=cutoff) | Q(
        heartbeat_at__isnull=True, created_at__lt=cutoff
    )


def job_row_enqueue(
    queued: QuerySet, task, job_id: int, *, again: bool = False, what: str
) -> bool:
    """Send job ``job_id`` (a row of ``queued``, the model's queued rows) to
    ``task``. Never raises; the row's message says why it waits when the broker
    did not take it. Returns whether the broker took the message."""
    result = enqueue(task, (job_id,), what=what)
    rows = queued.model.objects.filter(pk=job_id)
    if result is None:
        queued.filter(pk=job_id).update(
            message=_(
                "Waiting: the job queue is unavailable right now. The job is sent "
                "again every 5 minutes and runs once the queue is back."
            )[:255]
        )
        return False
    # Eager mode (no broker) has already run the job; only fill the id if unset.
    rows.filter(task_id="").update(task_id=result.id or "")
    if again:
        queued.filter(pk=job_id).update(
            message=_("Sent to the workers again; waiting for one to start it")
        )
    return True
