"""What the Jobs pages say about a job's attempts, and what starting a job says;
the schedule of the sweep."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analytics import jobs
from analytics.models import JobRun
from tests.sms.brokers import dead_broker

pytestmark = pytest.mark.django_db
Status = JobRun.Status


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Transactional: the job is sent to the broker (or, without one, run) when the
# request's transaction commits, before the page says where it stands.
@pytest.mark.django_db(transaction=True)
def test_a_job_started_while_it_waits_for_a_worker_is_said_to_be_queued(
    manager_client,
):
    """It used to say "Sales forecast started." of a job no worker had taken."""
    with dead_broker():
        response = manager_client.post(
            "/analytics/jobs/", {"kind": "forecast", "as_of": "2024-12-31"}, follow=True
        )
    job = JobRun.objects.get()
    assert job.status == Status.QUEUED
    # The broker is down, so the outage notice (sms.broker) follows.
    assert _messages(response) == [
        f"Sales forecast #{job.pk} queued: it starts when a worker is free; its "
        "progress shows below.",
        "Background work is delayed: e-mails and jobs are kept and will be sent "
        "when the job queue is back.",
    ]
    assert "started." not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_job_run_at_once_without_a_broker_is_said_to_be_finished(manager_client):
    response = manager_client.post(
        "/analytics/jobs/", {"kind": "forecast", "as_of": "2024-12-31"}, follow=True
    )
    job = JobRun.objects.get()
    assert job.status == Status.SUCCEEDED
    assert _messages(response) == [f"Sales forecast #{job.pk} finished."]


def test_a_first_attempt_says_nothing_about_attempts(manager_client):
    job = JobRun.objects.create(
        kind="forecast", status=Status.RUNNING, attempt=1, started_at=timezone.now()
    )
    page = manager_client.get(job.get_absolute_url()).content.decode()
    assert "Attempt" not in page
    status = manager_client.get(f"/analytics/jobs/status/?id={job.pk}").json()
    assert status["jobs"][0]["attempt"] == ""


def test_a_restarted_job_says_which_attempt_it_is_and_why(manager_client):
    started = timezone.make_aware(timezone.datetime(2026, 3, 4, 15, 32))
    job = JobRun.objects.create(
        kind="forecast",
        status=Status.RUNNING,
        attempt=2,
        started_at=started,
        heartbeat_at=timezone.now(),
        retry_reason="the previous worker stopped (no heartbeat for 60 s)",
    )
    expected = (
        "Attempt 2 of 3, restarted at 04/03/2026 3:32 p.m. because the previous "
        "worker stopped (no heartbeat for 60 s)."
    )
    page = manager_client.get(job.get_absolute_url()).content.decode()
    listing = manager_client.get("/analytics/jobs/").content.decode()
    status = manager_client.get(f"/analytics/jobs/status/?id={job.pk}").json()
    assert status["jobs"][0]["attempt"] == expected
    assert expected in page
    assert expected in listing


def test_a_job_waiting_for_its_restart_says_so(manager_client):
    """Between the sweep noticing the dead worker and a worker taking the job."""
    job = JobRun.objects.create(
        kind="segmentation",
        status=Status.RUNNING,
        attempt=1,
        started_at=timezone.now() - timedelta(minutes=10),
        heartbeat_at=timezone.now() - timedelta(minutes=2),
    )
    with dead_broker():  # the workers do not take it yet
        assert jobs.jobs_restart_stale()["restarted"] == 1
    listing = manager_client.get("/analytics/jobs/").content.decode()
    assert (
        "Attempt 1 of 3 did not finish: the previous worker stopped (no heartbeat "
        "for 60 s). Attempt 2 starts when a worker is free."
    ) in listing
    job.refresh_from_db()
    assert job.status == Status.QUEUED


def test_the_sweep_runs_every_minute_unless_an_admin_retimed_it():
    """Migration 0008 moves the sweep from every 5 minutes to every minute; a
    schedule an admin changed is left alone."""
    created = importlib.import_module("analytics.migrations.0002_periodic_tasks")
    retimed = importlib.import_module("analytics.migrations.0008_sweep_every_minute")
    # From what 0002 made (migrate ran both already, unless a transactional test's
    # flush emptied the table since).
    PeriodicTask.objects.filter(task=retimed.TASK).delete()
    created.periodic_tasks_create(django_apps, None)
    retimed.forwards(django_apps, None)
    sweep = PeriodicTask.objects.get(task="analytics.tasks.jobs_fail_stale")
    assert sweep.name == "Analytics: restart or fail stale jobs (every minute)"
    assert (sweep.crontab.minute, sweep.crontab.hour) == ("*", "*")
    assert sweep.enabled
    retimed.backwards(django_apps, None)
    sweep.refresh_from_db()
    assert sweep.crontab.minute == "*/5"

    # An admin's own timing survives.
    sweep.crontab = type(sweep.crontab).objects.create(minute="*/2", hour="*")
    sweep.save()
    retimed.forwards(django_apps, None)
    sweep.refresh_from_db()
    assert sweep.crontab.minute == "*/2"
    assert sweep.name == "Analytics: fail stale jobs (every 5 minutes)"


def test_the_job_timings_come_from_the_environment_and_are_checked():
    """The worker-death test relies on the first; the second keeps a live job from
    ever looking dead."""
    from tests.sms.test_settings import _settings_in_env

    read = _settings_in_env(
        "from django.conf import settings as s; print(s.SMS_JOB_HEARTBEAT_SECONDS, "
        "s.SMS_JOB_STALE_SECONDS, s.SMS_JOB_MAX_ATTEMPTS)",
        SMS_JOB_HEARTBEAT_SECONDS="2",
        SMS_JOB_STALE_SECONDS="5",
        SMS_JOB_MAX_ATTEMPTS="4",
    )
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["2", "5", "4"]
    refused = _settings_in_env(
        "pass", SMS_JOB_HEARTBEAT_SECONDS="40", SMS_JOB_STALE_SECONDS="60"
    )
    assert refused.returncode != 0
    assert "SMS_JOB_STALE_SECONDS must be at least twice" in refused.stderr
