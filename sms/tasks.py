from celery import shared_task
from django.db import InterfaceError, OperationalError

# A job whose state is a database row (analytics runs, background imports): acked
# only when done, so a dead worker's job is delivered again, and retried with
# back-off while the database is away. The row's claim makes a repeat a no-op.
DATABASE_JOB_TASK = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(acks_late=True)
def ping(echo: str) -> dict:
    """Round trip through the broker and the database; used by health tests and ops."""
    from django.contrib.auth import get_user_model

    return {"echo": echo, "users": get_user_model().objects.count()}


@shared_task(**DATABASE_JOB_TASK)
def import_job_run(job_id: int) -> bool:
    """Run one queued CSV import job (once: a repeated delivery finds it claimed)."""
    from sms.import_jobs import import_job_execute

    return import_job_execute(job_id=job_id)


@shared_task(acks_late=True)
def import_jobs_sweep() -> dict[str, int]:
    """The five-minute repair of import jobs a broker or worker outage left behind
    (a django-celery-beat periodic task created by sms migration 0004)."""
    from sms.import_jobs import import_jobs_sweep as sweep

    return sweep()


@shared_task(bind=True, acks_late=True)
def outbox_send(self, label: str, message_id: int) -> bool:
    """Send one outbox row (once: a repeated delivery finds it claimed). A failed
    attempt is retried when the row says, until the outbox gives up on it."""
    from sms.outbox.services import outbox_retry_in
    from sms.outbox.services import outbox_send as send

    try:
        return send(label=label, message_id=message_id)
    except Exception as exc:
        delay = outbox_retry_in(label=label, message_id=message_id)
        if delay is None:
            raise
        raise self.retry(exc=exc, countdown=delay, max_retries=None) from exc


@shared_task(acks_late=True)
def outbox_sweep() -> int:
    """Enqueue every outbox's rows still unsent (the broker was down, a worker
    died, a retry was lost); a django-celery-beat periodic task (sms migration
    0006)."""
    from sms.outbox.services import outbox_sweep as sweep

    return sweep()
