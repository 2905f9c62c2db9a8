"""A real worker killed (kill -9) in the middle of a job: the job is restarted by the
sweep on another worker and completes once, with its results written once.

Two ``celery worker`` processes (tests/analytics/slow_worker.py) run against the test
database and the broker, each on a queue of its own (so no other worker of the test
session takes the job, and the test says which of the two gets it; both start at once,
which saves a start-up). Timings are shortened through the settings the workers read
from the environment: a heartbeat every second, stale after three."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings

from analytics import jobs
from analytics.models import CustomerSegment, JobRun
from tests.analytics.factories import billable_order
from tests.analytics.slow_worker import ENABLE, HANGING
from tests.customers.factories import CustomerFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True),
]
Status = JobRun.Status
ROOT = Path(__file__).resolve().parents[2]
QUEUES = {"first": "sms-test-worker-death-1", "second": "sms-test-worker-death-2"}
HEARTBEAT, STALE = 1, 3
CUSTOMERS = 3


def _database_url() -> str:
    db = django_settings.DATABASES["default"]  # the test database by now
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'])}{password}@{host}:{port}/{db['NAME']}"


class Workers:
    """Start ``celery worker`` processes, each in its own process group; stop them
    all at the end."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str) -> subprocess.Popen:
        """A worker listening on QUEUES[name]."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sms.settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
            "SMS_JOB_HEARTBEAT_SECONDS": str(HEARTBEAT),
            "SMS_JOB_STALE_SECONDS": str(STALE),
            ENABLE: "1",
        }
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop)
        process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            [
                *(sys.executable, "-m", "celery", "-A", "tests.analytics.slow_worker"),
                *("worker", "--pool=solo", "--loglevel=INFO", "-Q", QUEUES[name]),
                *("-n", f"{name}@%h", "--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one
        )
        process.log = log
        self.processes.append(process)
        return process

    def log_text(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.logs.glob("*.log"))
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGQUIT)  # Celery's cold shutdown
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            process.log.close()


def _route_jobs_to(queue: str) -> None:
    from sms.celery import app

    app.conf.update(task_routes={"analytics.tasks.job_run": {"queue": queue}})


def _purge() -> None:
    from sms.celery import app

    with app.connection_for_write() as connection:
        for queue in QUEUES.values():
            connection.default_channel.queue_purge(queue)


@pytest.fixture
def workers(settings, tmp_path):
    """Tasks are sent to the broker (not run here); this process sweeps with the
    workers' timings."""
    from sms.celery import app

    settings.SMS_JOB_HEARTBEAT_SECONDS = HEARTBEAT
    settings.SMS_JOB_STALE_SECONDS = STALE
    previous = app.conf.task_always_eager, app.conf.task_routes
    app.conf.task_always_eager = False
    _purge()
    started = Workers(tmp_path)
    yield started
    started.stop()
    _purge()
    app.conf.task_always_eager = previous[0]
    app.conf.update(task_routes=previous[1])


def _wait(job: JobRun, condition, workers: Workers, *, timeout=30, sweep=False):
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if condition(job):
            return
        assert time.monotonic() < deadline, (
            f"{JobRun.objects.values().get(pk=job.pk)}\n{workers.log_text()}"
        )
        if sweep:
            jobs.jobs_sweep()
        time.sleep(0.25)


def test_a_job_whose_worker_is_killed_restarts_on_another_and_completes_once(
    workers, client
):
    for day in range(CUSTOMERS):
        billable_order(customer=CustomerFactory(), order_date=date(2024, 1, 10 + day))
    first = workers.start("first")
    workers.start("second")
    _route_jobs_to(QUEUES["first"])
    job = jobs.job_start(
        kind="segmentation", parameters={"as_of": "2024-06-30"}, user=None
    )

    # Attempt 1 wrote its results and now hangs without reporting anything.
    _wait(job, lambda j: j.message == HANGING, workers, timeout=60)  # incl. start-up
    assert job.status == Status.RUNNING
    assert CustomerSegment.objects.filter(job=job).count() == CUSTOMERS
    # Silent for longer than STALE, yet alive: its heartbeat keeps it from the sweep.
    silent_since = job.heartbeat_at
    time.sleep(STALE + 1)
    jobs.jobs_sweep()
    job.refresh_from_db()
    assert job.status == Status.RUNNING, workers.log_text()
    assert job.heartbeat_at > silent_since
    assert job.attempt == 1

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    _route_jobs_to(QUEUES["second"])
    # The sweep notices the silence and sends the job again; the second worker runs
    # it from the start (its first message went down with the first worker, unacked
    # until the broker's visibility timeout).
    _wait(job, lambda j: j.status in JobRun.FINISHED, workers, timeout=45, sweep=True)
    assert job.status == Status.SUCCEEDED, job.error
    assert job.attempt == 2
    assert "no heartbeat" in job.retry_reason
    rows = CustomerSegment.objects.filter(job=job)
    assert rows.count() == CUSTOMERS  # written once: attempt 1's rows replaced
    assert len(set(rows.values_list("customer_id", flat=True))) == CUSTOMERS
    assert job.summary["customers"] == CUSTOMERS

    # The page says what happened.
    from tests.sms.factories import ManagerFactory

    client.force_login(ManagerFactory())
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Attempt 2 of 3" in page
    assert "no heartbeat for 3 s" in page

    # A late delivery of the job (the first message comes back once the broker's
    # visibility timeout has passed) does nothing.
    from analytics.tasks import job_run

    assert job_run.apply_async((job.pk,)).get(timeout=30) is False  # second worker
    job.refresh_from_db()
    assert (job.status, job.attempt) == (Status.SUCCEEDED, 2)
    assert CustomerSegment.objects.filter(job=job).count() == CUSTOMERS
