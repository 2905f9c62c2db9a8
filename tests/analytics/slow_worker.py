"""The Celery app of the worker-death test (test_jobs_worker_death.py): the project's
app, with one change to the segmentation runner, made when the worker starts. On a
job's first attempt it writes the results as usual and then hangs, reporting nothing,
until the test kills the worker; a later attempt (results already there) runs as
usual. Run as ``celery -A tests.analytics.slow_worker worker``."""

import os
import time

from celery.signals import worker_init

from sms.celery import app

__all__ = ["app"]

HANGING = "Results written; hanging until killed"
HANG_SECONDS = 120


def first_attempt_hangs(real):
    def runner(job, parameters, progress):
        from analytics.models import CustomerSegment

        first = not CustomerSegment.objects.filter(job=job).exists()
        summary = real(job, parameters, progress)
        if first:
            progress(100, HANGING)
            time.sleep(HANG_SECONDS)  # silent: only a heartbeat shows it is alive
        return summary

    return runner


# Set only in the environment of the test's worker processes: the test session
# imports this module too, and its own (in-thread) worker must stay as it is.
ENABLE = "SMS_TEST_HANG_FIRST_ATTEMPTS"


@worker_init.connect
def _hang_on_first_attempts(**kwargs):
    if os.environ.get(ENABLE) != "1":
        return
    from analytics import jobs

    jobs.JOB_RUNNERS["segmentation"] = first_attempt_hangs(
        jobs.JOB_RUNNERS["segmentation"]
    )
