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
    """A second delivery while the first worker is alive (a recent heartbeat)."""
    job = JobRun.objects.create(
        kind="forecast",
        status=Status.RUNNING,
        attempt=1,
        heartbeat_at=timezone.now() - jobs.stale_after() + timedelta(seconds=5),
    )
    assert jobs.job_execute(job_id=job.pk) is False
    assert jobs.job_execute(job_id=job.pk + 1000) is False
    job.refresh_from_db()
    assert (job.status, job.attempt) == (Status.RUNNING, 1)


def _running(*, attempt: int = 1, silent_for: timedelta, kind="forecast") -> JobRun:
    """A job running its ``attempt``, last heard from ``silent_for`` ago."""
    now = timezone.now()
    return JobRun.objects.create(
        kind=kind,
        status=Status.RUNNING,
        attempt=attempt,
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - silent_for,
        progress=40,
        message="Forecasting Total (1 of 3)",
    )


def _counting_runner(monkeypatch, kind="forecast") -> list:
    calls = []

    def counting(job, parameters, progress):
        calls.append((job.pk, job.attempt))
        progress(50, "Working")
        return {"ok": True}

    monkeypatch.setitem(jobs.JOB_RUNNERS, kind, counting)
    return calls


def test_a_running_job_whose_worker_went_silent_is_restarted_by_the_sweep(
    monkeypatch,
):
    """The bug: a job whose worker was killed stayed "running" for 15-20 minutes and
    then failed. Now a minute without a heartbeat hands it back to the workers,
    which start it again (here eagerly) as attempt 2."""
    calls = _counting_runner(monkeypatch)
    silent = _running(silent_for=jobs.stale_after() + timedelta(seconds=1))
    busy = _running(silent_for=jobs.stale_after() - timedelta(seconds=10))
    queued = JobRun.objects.create(kind="forecast")
    assert jobs.jobs_restart_stale() == {"restarted": 1, "stale_failed": 0}
    assert calls == [(silent.pk, 2)]
    silent.refresh_from_db()
    assert (silent.status, silent.attempt) == (Status.SUCCEEDED, 2)
    assert silent.retry_reason == (
        "the previous worker stopped (no heartbeat for 60 s)"
    )
    assert silent.summary == {"ok": True}
    assert jobs.jobs_restart_stale() == {"restarted": 0, "stale_failed": 0}
    busy.refresh_from_db()
    queued.refresh_from_db()
    assert (busy.status, busy.attempt) == (Status.RUNNING, 1)
    assert queued.status == Status.QUEUED


def test_the_silence_allowed_is_a_setting(settings, monkeypatch):
    _counting_runner(monkeypatch)
    settings.SMS_JOB_STALE_SECONDS = 300
    job = _running(silent_for=timedelta(seconds=200))
    assert jobs.jobs_restart_stale()["restarted"] == 0
    settings.SMS_JOB_STALE_SECONDS = 120
    assert jobs.jobs_restart_stale()["restarted"] == 1
    job.refresh_from_db()
    assert job.retry_reason == "the previous worker stopped (no heartbeat for 120 s)"


def test_a_silent_job_waits_queued_and_says_so_while_the_broker_is_down(
    monkeypatch,
):
    calls = _counting_runner(monkeypatch)
    job = _running(silent_for=jobs.stale_after() * 2)
    with dead_broker():
        assert jobs.jobs_sweep()["restarted"] == 1
    job.refresh_from_db()
    assert (job.status, job.attempt) == (Status.QUEUED, 1)
    assert "queue is unavailable" in job.message
    assert calls == []
    # Sent again by a later sweep once the broker is back (eager here): it runs.
    later = timezone.now() + jobs.REQUEUE_AFTER + timedelta(seconds=1)
    assert jobs.jobs_sweep(now=later)["requeued"] == 1
    job.refresh_from_db()
    assert (job.status, job.attempt) == (Status.SUCCEEDED, 2)


def test_a_silent_job_on_its_last_attempt_is_failed_with_a_clear_message(
    monkeypatch,
):
    calls = _counting_runner(monkeypatch)
    now = timezone.now()
    last = _running(attempt=3, silent_for=jobs.stale_after() + timedelta(seconds=1))
    assert jobs.jobs_sweep(now=now)["stale_failed"] == 1
    last.refresh_from_db()
    assert last.status == Status.FAILED
    assert last.finished_at == now
    assert last.message == "Worker stopped responding"
    assert last.error.startswith(
        "The job was started 3 times and each time its worker stopped (no heartbeat "
        "for 60 s), so it was marked failed."
    )
    # Its message, delivered late, does not run it.
    assert jobs.job_execute(job_id=last.pk) is False
    assert calls == []


def test_a_delivery_finding_its_job_silent_restarts_it(monkeypatch):
    """The dead worker's own message comes back (redelivered) before the sweep
    noticed: the delivery starts the job again."""
    calls = _counting_runner(monkeypatch)
    job = _running(silent_for=jobs.stale_after() + timedelta(seconds=1))
    assert jobs.job_execute(job_id=job.pk) is True
    assert jobs.job_execute(job_id=job.pk) is False  # and once only
    assert calls == [(job.pk, 2)]
    job.refresh_from_db()
    assert (job.status, job.attempt, job.progress) == (Status.SUCCEEDED, 2, 100)
    assert "no heartbeat" in job.retry_reason


def test_a_delivery_finding_its_job_silent_on_the_last_attempt_fails_it(
    monkeypatch, settings
):
    settings.SMS_JOB_MAX_ATTEMPTS = 2
    calls = _counting_runner(monkeypatch)
    job = _running(attempt=2, silent_for=jobs.stale_after() * 3)
    assert jobs.job_execute(job_id=job.pk) is False
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error.startswith("The job was started 2 times")
    assert calls == []


def test_two_deliveries_of_a_silent_job_start_one_attempt(monkeypatch):
    """Each delivery reads the job, then claims it on condition that it is still
    as read: the second finds it taken (attempt 2 running, alive)."""
    job = _running(silent_for=jobs.stale_after() * 2)
    first = jobs._claim(job.pk)
    assert (first.status, first.attempt) == (Status.RUNNING, 2)
    assert jobs._claim(job.pk) is None


def test_an_attempt_superseded_by_a_restart_writes_nothing(monkeypatch):
    """A worker that only seemed dead (stalled past the limit, then back) is
    stopped at its next progress report; the restarted attempt's result stands."""
    states = []

    def stalled(job, parameters, progress):
        progress(10, "Working")
        if job.attempt == 1:
            # Stalled; meanwhile another worker restarts the job and finishes it.
            JobRun.objects.filter(pk=job.pk).update(
                heartbeat_at=timezone.now() - jobs.stale_after() * 2
            )
            assert jobs.job_execute(job_id=job.pk) is True
            states.append(JobRun.objects.values_list("status", "attempt").get())
            progress(90, "Back")  # raises: this attempt is over
            states.append("not reached")
        return {"attempt": job.attempt}

    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", stalled)
    job = JobRun.objects.create(kind="forecast")
    assert jobs.job_execute(job_id=job.pk) is True
    assert states == [(Status.SUCCEEDED, 2)]
    job.refresh_from_db()
    assert (job.status, job.attempt, job.progress) == (Status.SUCCEEDED, 2, 100)
    assert job.summary == {"attempt": 2}
    assert job.message == "Done"


def test_segmentation_results_of_a_superseded_attempt_are_not_written():
    """Written results are checked against the job's current attempt, in the same
    transaction (the row locked): a restarted job's old attempt writes nothing."""
    from analytics.models import CustomerSegment

    billable_order(order_date=date(2024, 1, 10))
    job = _running(kind="segmentation", attempt=2, silent_for=timedelta(0))
    old_attempt = JobRun.objects.get(pk=job.pk)
    old_attempt.attempt = 1
    with pytest.raises(jobs.JobSuperseded):
        jobs.JOB_RUNNERS["segmentation"](
            old_attempt, {"as_of": "2024-06-30"}, lambda percent, message="": None
        )
    assert not CustomerSegment.objects.filter(job=job).exists()
    # The current attempt writes, and again (a restart) replaces rather than adds.
    for _ in range(2):
        jobs.JOB_RUNNERS["segmentation"](
            job, {"as_of": "2024-06-30"}, lambda percent, message="": None
        )
        assert CustomerSegment.objects.filter(job=job).count() == 1


def test_a_job_failed_as_stale_is_not_revived_by_its_late_worker(monkeypatch):
    def late(job, parameters, progress):
        jobs.jobs_restart_stale(now=timezone.now() + jobs.stale_after() * 2)
        progress(90, "Still here")
        return {"late": True}

    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", late)
    job = JobRun.objects.create(kind="forecast", attempt=jobs.max_attempts() - 1)
    assert jobs.job_execute(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.message == "Worker stopped responding"
    assert job.summary == {}


@pytest.mark.django_db(transaction=True)
def test_a_silent_runner_keeps_its_heartbeat_from_a_thread(monkeypatch, settings):
    """A long computation that reports no progress (a model fit) must not look
    dead: a thread stamps the heartbeat meanwhile, then stops and closes its
    connection."""
    settings.SMS_JOB_HEARTBEAT_SECONDS = 0.2
    seen = []

    def silent(job, parameters, progress):
        claimed_at = JobRun.objects.get(pk=job.pk).heartbeat_at
        time.sleep(1)
        seen.append(JobRun.objects.get(pk=job.pk).heartbeat_at > claimed_at)
        return {}

    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", silent)
    job = JobRun.objects.create(kind="forecast")
    assert jobs.job_execute(job_id=job.pk) is True
    assert seen == [True]
    assert not [t for t in threading.enumerate() if t.name.endswith("-heartbeat")]
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED


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
    assert jobs.jobs_sweep() == {
        "restarted": 0,
        "stale_failed": 0,
        "requeued": 0,
        "given_up": 0,
    }
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
    """The sweep sends a waiting job again every REQUEUE_AFTER (not at each of its
    runs, every minute); each delivery claims it, so only the first runs it."""
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
    now = timezone.now()
    minute = timedelta(minutes=1)
    sweeps = [now + n * minute for n in range(11)]  # the next ten minutes
    assert [jobs.jobs_sweep(now=at)["requeued"] for at in sweeps] == (
        [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    )
    assert (
        jobs.jobs_sweep(now=now + 12 * minute + timedelta(seconds=1))["requeued"] == 1
    )
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
    assert jobs.jobs_sweep() == {
        "restarted": 0,
        "stale_failed": 0,
        "requeued": 1,
        "given_up": 1,
    }
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


def test_a_database_error_on_the_last_attempt_fails_the_job(monkeypatch, settings):
    from django.db import OperationalError

    def flaky(job, parameters, progress):
        raise OperationalError("server closed the connection")

    settings.SMS_JOB_MAX_ATTEMPTS = 2
    monkeypatch.setitem(jobs.JOB_RUNNERS, "forecast", flaky)
    job = JobRun.objects.create(kind="forecast")
    with pytest.raises(OperationalError):  # attempt 1: back to the queue, retried
        jobs.job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempt) == (Status.QUEUED, 1)
    assert job.retry_reason == "the previous attempt lost its database connection"
    assert jobs.job_execute(job_id=job.pk) is True  # attempt 2, the last: failed
    job.refresh_from_db()
    assert (job.status, job.attempt) == (Status.FAILED, 2)
    assert job.error.startswith("OperationalError: server closed the connection")


def test_the_periodic_task_runs_the_sweep():
    from analytics.tasks import jobs_fail_stale

    job = JobRun.objects.create(kind="forecast")
    _age(job, jobs.GIVE_UP_AFTER * 2)
    assert jobs_fail_stale() == {
        "restarted": 0,
        "stale_failed": 0,
        "requeued": 0,
        "given_up": 1,
    }


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
