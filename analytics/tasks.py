"""Thin Celery tasks: load ids, call one service (analytics.jobs).

Periodic runs (stale-job check every 5 minutes, nightly segmentation and forecast)
are django-celery-beat tasks created by migration 0002; pause or re-time them in
the admin under Periodic tasks.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def job_run(job_id: int) -> bool:
    """Run one queued job (once: a repeated delivery finds it claimed or done)."""
    from analytics.jobs import job_execute

    return job_execute(job_id=job_id)


@shared_task(acks_late=True)
def jobs_fail_stale() -> int:
    """Mark failed the running jobs whose worker stopped responding."""
    from analytics.jobs import jobs_fail_stale as fail_stale

    return fail_stale()


@shared_task(acks_late=True)
def job_start_scheduled(kind: str) -> int:
    """Start a job from a schedule (nightly runs); as of today. Returns its id."""
    from analytics.jobs import job_start

    return job_start(kind=kind, parameters={}, user=None).pk
