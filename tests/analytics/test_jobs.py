"""Job runs through the services: lifecycle, failure, re-delivery, stale workers,
a broker outage, the runners' SQL, and a real worker on Redis."""

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics import jobs
from analytics.models import JobRun
from tests.analytics.factories import billable_order
from tests.customers.factories import CustomerFactory
from tests.sms.brokers import dead_broker
from tests.sms.factories import ManagerFactory

pytestmark = pytest.mark.django_db
Status = JobRun.Status
TOTALS = ("as_of", "customers", "orders", "revenue")


def test_job_start_enqueues_on_commit_and_the_job_runs_to_success(
    django_capture_on_commit_callbacks,
):
    manager = ManagerFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.job_start(
            kind="segmentation", parameters={"as_of": "2024-06-30"}, user=manager
        )
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert job.started_by == manager
    assert len(callbacks) == 1

    callbacks[0]()  # the broker is eager here: the task runs now
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert job.progress == 100
    assert job.started_at and job.finished_at
    assert job.duration is not None
    assert job.duration >= timedelta(0)
    # The totals; segments and clusters: tests/analytics/test_segments.py
    assert {key: job.summary[key] for key in TOTALS} == {
        "as_of": "2024-06-30",
        "customers": 0,
        "orders": 0,
        "revenue": "0.00",
    }
    assert job.task_id


def test_a_runner_that_raises_fails_the_job_with_its_error(monkeypatch):
    def broken(job, parameters, progress):
        progress(30, "Working")
        raise ValueError("no orders to read")

    monkeypatch.setitem(jobs.JOB_RUNNERS, "segmentation", broken)
    job = JobRun.objects.create(kind="segmentation")
    assert jobs.job_execute(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error.startswith("ValueError: no orders to read")
    assert job.progress == 30
    assert job.finished_at is not None


def test_a_redelivered_task_does_not_run_the_job_again(monkeypatch):
    calls = []

    def counting(job, parameters, progress):
        calls.append(job.pk)
        return {"ok": True}

    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", counting)
    job = JobRun.objects.create(kind="forecast")
    assert jobs.job_execute(job_id=job.pk) is True
    assert jobs.job_execute(job_id=job.pk) is False
    assert calls == [job.pk]
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert job.summary == {"ok": True}


def test_a_running_job_is_not_claimed_twice_and_a_missing_one_is_ignored():
    job = JobRun.objects.create(kind="forecast", status=Status.RUNNING)
    assert jobs.job_execute(job_id=job.pk) is False
    assert jobs.job_execute(job_id=job.pk + 1000) is False
    job.refresh_from_db()
    assert job.status == Status.RUNNING


def test_a_running_job_whose_worker_went_silent_is_marked_failed():
    now = timezone.now()
    silent = JobRun.objects.create(
        kind="segmentation",
        status=Status.RUNNING,
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - jobs.STALE_AFTER - timedelta(seconds=1),
    )
    busy = JobRun.objects.create(
        kind="segmentation",
        status=Status.RUNNING,
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - timedelta(minutes=1),
    )
    queued = JobRun.objects.create(kind="forecast")
    assert jobs.jobs_fail_stale(now=now) == 1
    assert jobs.jobs_fail_stale(now=now) == 0
    silent.refresh_from_db()
    assert silent.status == Status.FAILED
    assert "The worker stopped responding" in silent.error
    assert silent.finished_at == now
    busy.refresh_from_db()
    queued.refresh_from_db()
    assert busy.status == Status.RUNNING
    assert queued.status == Status.QUEUED


def test_a_job_failed_as_stale_is_not_revived_by_its_late_worker(monkeypatch):
    def late(job, parameters, progress):
        jobs.jobs_fail_stale(now=timezone.now() + jobs.STALE_AFTER * 2)
        progress(90, "Still here")
        return {"late": True}

    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", late)
    job = JobRun.objects.create(kind="forecast")
    jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.summary == {}


def test_broker_down_leaves_the_job_queued_with_a_message(
    django_capture_on_commit_callbacks,
):
    """Nothing listens on the port: the enqueue fails fast and the row says so."""
    with dead_broker():
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            job = jobs.job_start(kind="forecast", parameters={}, user=None)
        elapsed = time.monotonic() - started
    # A guard against hanging on the broker, not a speed target.
    assert elapsed < 15, f"starting took {elapsed:.1f}s with the broker down"
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert "queue is unavailable" in job.message
    assert job.task_id == ""


def _age(job: JobRun, by: timedelta) -> None:
    """Pretend the job was queued ``by`` ago."""
    JobRun.objects.filter(pk=job.pk).update(created_at=timezone.now() - by)


def test_a_job_queued_while_the_broker_was_down_runs_when_the_sweep_sends_it_again(
    django_capture_on_commit_callbacks,
):
    billable_order(order_date=date(2024, 1, 10))
    with dead_broker(), django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(
            kind="segmentation", parameters={"as_of": "2024-06-30"}, user=None
        )
    # Just queued: its own message may still be on its way; the sweep leaves it.
    assert jobs.jobs_sweep() == {"stale_failed": 0, "requeued": 0, "given_up": 0}
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    _age(job, jobs.REQUEUE_AFTER + timedelta(seconds=1))
    # The broker still down: nothing sent, the job waits and says so.
    with dead_broker():
        assert jobs.jobs_sweep()["requeued"] == 0
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert "queue is unavailable" in job.message
    # The broker is back (eager here): the sweep sends it and it runs.
    assert jobs.jobs_sweep()["requeued"] == 1
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.error
    assert job.summary["customers"] == 1
    assert jobs.jobs_sweep()["requeued"] == 0  # done: not sent again


def test_a_job_sent_many_times_runs_once(monkeypatch):
    """Every sweep sends a waiting job again; each delivery claims it, so only the
    first runs it."""
    calls, sent = [], []

    def counting(job, parameters, progress):
        calls.append(job.pk)
        return {"ok": True}

    from analytics.tasks import job_run

    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", counting)
    monkeypatch.setattr(
        job_run, "apply_async", lambda args, **kw: sent.append(args[0]) or _Result()
    )
    job = JobRun.objects.create(kind="forecast")
    _age(job, jobs.REQUEUE_AFTER * 2)
    for _ in range(3):
        assert jobs.jobs_sweep()["requeued"] == 1
    job.refresh_from_db()
    assert job.message.startswith("Sent to the workers again")
    assert sent == [job.pk] * 3
    assert [jobs.job_execute(job_id=job_id) for job_id in sent] == [True, False, False]
    assert calls == [job.pk]
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED


class _Result:
    id = "fake-task-id"


def test_a_job_nobody_picked_up_for_an_hour_is_failed_with_a_clear_message(
    monkeypatch,
):
    from analytics.tasks import job_run

    sent = []
    monkeypatch.setattr(
        job_run, "apply_async", lambda args, **kw: sent.append(args[0]) or _Result()
    )
    stuck = JobRun.objects.create(kind="forecast")
    _age(stuck, jobs.GIVE_UP_AFTER + timedelta(seconds=1))
    waiting = JobRun.objects.create(kind="forecast")
    _age(waiting, jobs.GIVE_UP_AFTER - timedelta(minutes=1))
    assert jobs.jobs_sweep() == {"stale_failed": 0, "requeued": 1, "given_up": 1}
    assert sent == [waiting.pk]
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED
    assert stuck.message == "Never started"
    assert stuck.error.startswith("No worker picked the job up within 60 minutes")
    assert stuck.finished_at is not None
    # Its message, delivered late, does not run it.
    assert jobs.job_execute(job_id=stuck.pk) is False
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED


def test_a_job_handed_back_after_a_database_error_counts_from_then(monkeypatch):
    """An old job put back in the queue by a database error is not given up at
    once: it is queued since it was handed back."""
    from django.db import OperationalError

    def flaky(job, parameters, progress):
        raise OperationalError("server closed the connection")

    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", flaky)
    job = JobRun.objects.create(kind="forecast")
    _age(job, jobs.GIVE_UP_AFTER * 2)
    with pytest.raises(OperationalError):
        jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert jobs.jobs_requeue_waiting(now=timezone.now()) == {
        "requeued": 0,
        "given_up": 0,
    }
    later = timezone.now() + jobs.GIVE_UP_AFTER + timedelta(seconds=1)
    assert jobs.jobs_requeue_waiting(now=later)["given_up"] == 1


def test_the_periodic_task_runs_the_sweep():
    from analytics.tasks import jobs_fail_stale

    job = JobRun.objects.create(kind="forecast")
    _age(job, jobs.GIVE_UP_AFTER * 2)
    assert jobs_fail_stale() == {"stale_failed": 0, "requeued": 0, "given_up": 1}


def test_job_start_refuses_an_unknown_kind():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        jobs.job_start(kind="astrology", parameters={}, user=None)
    assert not JobRun.objects.exists()


def test_segmentation_reads_recency_frequency_and_monetary_as_of_a_date():
    from analytics.runners import customer_rfm_rows

    first, second = CustomerFactory(), CustomerFactory()
    billable_order(customer=first, order_date=date(2024, 1, 10))
    billable_order(customer=first, order_date=date(2024, 3, 1), quantity=3)
    billable_order(customer=second, order_date=date(2024, 2, 1))
    billable_order(customer=second, order_date=date(2024, 5, 1))  # after as_of
    rows = sorted(customer_rfm_rows(as_of=date(2024, 3, 31)))
    assert rows == sorted(
        [
            (first.pk, 30, 2, Decimal("500.00"), 81),
            (second.pk, 59, 1, Decimal("200.00"), 59),
        ]
    )
    job = jobs.job_run_inline(kind="segmentation", parameters={"as_of": "2024-03-31"})
    assert job.status == Status.SUCCEEDED
    # The totals; segments and clusters: tests/analytics/test_segments.py
    assert {key: job.summary[key] for key in TOTALS} == {
        "as_of": "2024-03-31",
        "customers": 2,
        "orders": 3,
        "revenue": "700.00",
    }


def test_monthly_revenue_sums_billable_orders_per_month():
    from analytics.runners import monthly_revenue

    billable_order(order_date=date(2024, 1, 10))
    billable_order(order_date=date(2024, 1, 20))
    billable_order(order_date=date(2024, 3, 5), quantity=1)
    assert monthly_revenue(as_of=date(2024, 12, 31)) == [
        (date(2024, 1, 1), Decimal("400.00")),
        (date(2024, 3, 1), Decimal("100.00")),
    ]


def test_a_forecast_with_too_little_history_says_why():
    billable_order(order_date=date(2024, 1, 10))
    billable_order(order_date=date(2024, 3, 5), quantity=1)
    job = jobs.job_run_inline(kind="forecast", parameters={"as_of": "2024-04-30"})
    assert job.status == Status.SUCCEEDED
    assert job.summary["months"] == 4  # January to April, gaps as 0
    assert job.summary["series"] == []
    keys = [entry["key"] for entry in job.summary["skipped"]]
    assert keys[0] == "total"
    assert len(keys) == 3  # the total and each order's category


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_job_and_reports_progress(celery_worker, monkeypatch):
    """The runner pauses half-way until the test has seen its progress in the
    database (written by the worker's own connection)."""
    seen_halfway = threading.Event()
    real = jobs.JOB_RUNNERS["segmentation"]

    def pausing(job, parameters, progress):
        progress(50, "Half-way")
        assert seen_halfway.wait(timeout=30)
        return real(job, parameters, progress)

    monkeypatch.setitem(jobs.JOB_RUNNERS, "segmentation", pausing)
    billable_order(order_date=date(2024, 1, 10))
    job = jobs.job_start(
        kind="segmentation", parameters={"as_of": "2024-12-31"}, user=None
    )

    def wait_for(condition):
        deadline = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < deadline, JobRun.objects.values().get(pk=job.pk)
            time.sleep(0.1)
            job.refresh_from_db()

    wait_for(lambda: job.status == Status.RUNNING and job.progress == 50)
    assert job.message == "Half-way"
    seen_halfway.set()
    wait_for(lambda: job.status == Status.SUCCEEDED)
    assert job.progress == 100
    assert job.summary["customers"] == 1
    assert job.task_id

    # The same task delivered again does nothing.
    from analytics.tasks import job_run

    assert job_run.delay(job.pk).get(timeout=30) is False


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_job_queued_while_the_broker_was_down(celery_worker):
    """Started with the broker down, the job waits; once the broker is back the
    sweep sends it again and the worker runs it, once."""
    billable_order(order_date=date(2024, 1, 10))
    with dead_broker():
        job = jobs.job_start(
            kind="segmentation", parameters={"as_of": "2024-12-31"}, user=None
        )
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    assert "queue is unavailable" in job.message
    assert job.task_id == ""

    later = timezone.now() + jobs.REQUEUE_AFTER + timedelta(seconds=1)
    assert jobs.jobs_sweep(now=later)["requeued"] == 1
    assert jobs.jobs_sweep(now=later)["requeued"] in (0, 1)  # sent twice: harmless
    deadline = time.monotonic() + 30
    while job.status != Status.SUCCEEDED:
        assert time.monotonic() < deadline, JobRun.objects.values().get(pk=job.pk)
        time.sleep(0.1)
        job.refresh_from_db()
    assert job.summary["customers"] == 1
    assert job.task_id
    # A further delivery finds it done.
    from analytics.tasks import job_run

    assert job_run.delay(job.pk).get(timeout=30) is False
