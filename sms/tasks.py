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
