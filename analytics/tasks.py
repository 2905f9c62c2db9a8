"""Thin Celery tasks: load ids, call one service (analytics.jobs).

Periodic runs (the job sweep every minute, nightly segmentation and forecast) are
django-celery-beat tasks created by migrations 0002 and 0008; pause or re-time them
in the admin under Periodic tasks.
"""

from celery import shared_task

from sms.tasks import DATABASE_JOB_TASK


@shared_task(**DATABASE_JOB_TASK)
def job_run(job_id: int) -> bool:
    """Run an attempt of the job: queued, or running on a worker that died. A
    repeated delivery of a job that is running alive or finished does nothing."""
    from analytics.jobs import job_execute

    return job_execute(job_id=job_id)


@shared_task(acks_late=True)
def jobs_fail_stale() -> dict[str, int]:
    """The minute sweep: restart (after the last attempt, fail) the running jobs
    whose worker stopped, send again the queued jobs no worker picked up, give up
    on those queued for an hour. (Named for its first duty of old: the periodic
    task in the database refers to it by this name.)"""
    from analytics.jobs import jobs_sweep

    return jobs_sweep()


@shared_task(acks_late=True)
def job_start_scheduled(kind: str) -> int:
    """Start a job from a schedule (nightly runs); as of today. Returns its id."""
    from analytics.jobs import job_start

    return job_start(kind=kind, parameters={}, user=None).pk
