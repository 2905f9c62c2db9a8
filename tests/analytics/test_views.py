"""The analytics pages: the index, the Jobs page, a run's page and the status
endpoint the page polls; managers start jobs, reps only look."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analytics.models import JobRun

pytestmark = pytest.mark.django_db
Status = JobRun.Status


def test_the_analytics_index_links_to_jobs(rep_client):
    response = rep_client.get("/analytics/")
    assert response.status_code == 200
    assert reverse("analytics:jobrun-list") in response.content.decode()


def test_a_manager_starts_a_job_and_sees_it_in_the_list(
    manager_client, manager, django_capture_on_commit_callbacks
):
    page = manager_client.get("/analytics/jobs/")
    assert page.status_code == 200
    assert 'id="job-start-form"' in page.content.decode()
    assert "analytics/jobs.js" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/analytics/jobs/", {"kind": "forecast", "as_of": "2024-12-31"}
        )
    assert response.status_code == 302
    job = JobRun.objects.get()
    assert job.started_by == manager
    assert job.parameters == {"as_of": "2024-12-31"}
    assert job.status == Status.SUCCEEDED  # no broker in tests: ran in-process

    body = manager_client.get("/analytics/jobs/").content.decode()
    assert job.get_absolute_url() in body
    assert "Succeeded" in body
    detail = manager_client.get(job.get_absolute_url())
    assert detail.status_code == 200
    assert "Months" in detail.content.decode()


def test_the_start_form_shows_field_errors(manager_client):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = manager_client.post(
        "/analytics/jobs/", {"kind": "astrology", "as_of": future}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert "cannot be in the future" in body
    assert not JobRun.objects.exists()


def test_the_list_shows_a_failed_runs_error_and_pages(manager_client):
    JobRun.objects.create(
        kind="segmentation", status=Status.FAILED, error="ValueError: boom"
    )
    for _ in range(30):
        JobRun.objects.create(kind="forecast")
    first = manager_client.get("/analytics/jobs/")
    assert len(first.context["object_list"]) == 25
    second = manager_client.get("/analytics/jobs/?page=2").content.decode()
    assert "ValueError: boom" in second
    failed = manager_client.get("/analytics/jobs/?kind=segmentation")
    assert len(failed.context["object_list"]) == 1


def test_reps_see_the_history_but_cannot_start_jobs(rep_client):
    JobRun.objects.create(kind="forecast")
    page = rep_client.get("/analytics/jobs/")
    assert page.status_code == 200
    assert 'id="job-start-form"' not in page.content.decode()
    response = rep_client.post(
        "/analytics/jobs/", {"kind": "forecast", "as_of": "2024-12-31"}
    )
    assert response.status_code == 403
    assert JobRun.objects.count() == 1


def test_the_status_endpoint_reports_progress(rep_client):
    now = timezone.now()
    running = JobRun.objects.create(
        kind="segmentation",
        status=Status.RUNNING,
        progress=40,
        message="Reading orders",
        started_at=now,
    )
    response = rep_client.get(f"/analytics/jobs/status/?id={running.pk}&id=x")
    assert response.status_code == 200
    (job,) = response.json()["jobs"]
    assert job["id"] == running.pk
    assert job["status"] == "running"
    assert job["progress"] == 40
    assert job["message"] == "Reading orders"
    assert job["finished"] is False


def test_users_without_a_role_cannot_see_jobs(client):
    from tests.sms.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get("/analytics/jobs/").status_code == 403
    assert client.get("/analytics/jobs/status/").status_code == 403


def test_job_runs_are_read_only_in_the_admin(client):
    from tests.sms.factories import AdminFactory

    job = JobRun.objects.create(kind="forecast")
    client.force_login(AdminFactory())
    assert client.get("/admin/analytics/jobrun/?status=queued").status_code == 200
    assert client.get(f"/admin/analytics/jobrun/{job.pk}/change/").status_code == 200
    assert client.get("/admin/analytics/jobrun/add/").status_code == 403


def test_the_schedules_are_periodic_tasks_admins_can_edit():
    # What migrate ran (run again here, from an empty table: a transactional
    # test's flush may have emptied it, or not); running it twice keeps one task
    # each.
    PeriodicTask.objects.filter(name__startswith="Analytics: ").delete()
    for name in ("0002_periodic_tasks", "0008_sweep_every_minute"):
        migration = importlib.import_module(f"analytics.migrations.{name}")
        forwards = getattr(migration, "periodic_tasks_create", None) or (
            migration.forwards
        )
        forwards(django_apps, None)
        forwards(django_apps, None)
    stale = PeriodicTask.objects.get(task="analytics.tasks.jobs_fail_stale")
    assert stale.enabled
    assert stale.crontab.minute == "*"
    nightly = PeriodicTask.objects.filter(task="analytics.tasks.job_start_scheduled")
    assert sorted(task.kwargs for task in nightly) == [
        '{"kind": "forecast"}',
        '{"kind": "segmentation"}',
    ]
    assert all(task.crontab.hour != "*" for task in nightly)


def test_the_scheduled_task_starts_a_job():
    from analytics.tasks import job_start_scheduled, jobs_fail_stale

    job_id = job_start_scheduled("segmentation")
    job = JobRun.objects.get(pk=job_id)
    assert job.started_by is None
    assert jobs_fail_stale() == {
        "restarted": 0,
        "stale_failed": 0,
        "requeued": 0,
        "given_up": 0,
    }


def test_a_manager_fixes_k_for_a_segmentation_from_the_jobs_page(
    manager_client, django_capture_on_commit_callbacks
):
    from tests.analytics.factories import billable_order

    for day in (1, 5, 9, 20):
        billable_order(order_date=timezone.localdate() - timedelta(days=day))
    page = manager_client.get("/analytics/jobs/").content.decode()
    assert 'name="k"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/analytics/jobs/", {"kind": "segmentation", "as_of": "2030-01-01", "k": 3}
        )
    assert response.status_code == 400  # the future date; k stays in the form
    assert 'value="3"' in response.content.decode()
    today = timezone.localdate().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/analytics/jobs/", {"kind": "segmentation", "as_of": today, "k": 3}
        )
    assert response.status_code == 302
    job = JobRun.objects.get()
    assert job.parameters == {"as_of": today, "k": 3}
    assert job.status == Status.SUCCEEDED, job.error
    assert (job.summary["k"], job.summary["k_fixed"]) == (3, True)


def test_the_k_field_is_checked_and_ignored_for_a_forecast(
    manager_client, django_capture_on_commit_callbacks
):
    today = timezone.localdate().isoformat()
    for bad in (1, 9):
        response = manager_client.post(
            "/analytics/jobs/", {"kind": "segmentation", "as_of": today, "k": bad}
        )
        assert response.status_code == 400
        assert response.context["form"].has_error("k")
    assert not JobRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/analytics/jobs/", {"kind": "forecast", "as_of": today, "k": 3}
        )
    assert JobRun.objects.get().parameters == {"as_of": today}
    # blank: chosen by silhouette
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/analytics/jobs/", {"kind": "segmentation", "as_of": today, "k": ""}
        )
    assert JobRun.objects.get(kind="segmentation").parameters == {"as_of": today}


def test_a_manager_sets_the_forecast_products_and_reorder_cover_from_the_jobs_page(
    manager_client, django_capture_on_commit_callbacks
):
    today = timezone.localdate().isoformat()
    page = manager_client.get("/analytics/jobs/").content.decode()
    assert 'name="top_products"' in page and 'name="reorder_cover_months"' in page
    # The date picker starts on today, in the ISO form browsers read.
    assert f'name="as_of" value="{today}"' in page
    bad = (
        ({"top_products": 201}, "top_products"),
        ({"top_products": -1}, "top_products"),
        ({"reorder_cover_months": 0}, "reorder_cover_months"),
        # longer than the horizon asked for
        ({"horizon": 6, "reorder_cover_months": 7}, "reorder_cover_months"),
    )
    for fields, name in bad:
        response = manager_client.post(
            "/analytics/jobs/", {"kind": "forecast", "as_of": today, **fields}
        )
        assert response.status_code == 400
        assert response.context["form"].has_error(name), fields
    assert not JobRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/analytics/jobs/",
            {
                "kind": "forecast",
                "as_of": today,
                "horizon": 6,
                "top_products": 0,
                "reorder_cover_months": 6,
            },
        )
    assert response.status_code == 302
    job = JobRun.objects.get()
    assert job.parameters == {
        "as_of": today,
        "horizon": 6,
        "top_products": 0,
        "reorder_cover_months": 6,
    }
    # A segmentation ignores the forecast's fields.
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/analytics/jobs/",
            {"kind": "segmentation", "as_of": today, "top_products": 5},
        )
    assert JobRun.objects.get(kind="segmentation").parameters == {"as_of": today}


def test_starting_a_job_with_the_broker_down_queues_it_and_says_so(
    manager_client, django_capture_on_commit_callbacks
):
    from tests.sms.brokers import dead_broker

    today = timezone.localdate().isoformat()
    with dead_broker(), django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/analytics/jobs/", {"kind": "segmentation", "as_of": today}
        )
    assert response.status_code == 302
    job = JobRun.objects.get()
    assert job.status == Status.QUEUED
    page = manager_client.get("/analytics/jobs/").content.decode()
    assert "the job queue is unavailable right now" in page
    assert "sent again every 5 minutes" in page
