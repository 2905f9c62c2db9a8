"""The Jobs page in a browser: a job whose worker died is shown as waiting for its
restart, without a reload (static/analytics/jobs.js polls the status endpoint)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics import jobs
from analytics.models import JobRun
from tests.sms.brokers import dead_broker
from tests.sms.factories import PASSWORD, ManagerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_jobs_page_shows_a_restart_as_it_happens(page, live_server):
    ManagerFactory(username="boss")
    job = JobRun.objects.create(
        kind="forecast",
        status=JobRun.Status.RUNNING,
        attempt=1,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        message="Forecasting Total (1 of 3)",
    )
    page.goto(f"{live_server.url}/analytics/jobs/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    box = page.locator(f'.jobrun-status[data-jobrun-id="{job.pk}"]')
    expect(box.locator('[data-field="status"]')).to_have_text("Running")
    attempt = box.locator('[data-field="attempt"]')
    expect(attempt).to_be_hidden()

    # The worker dies: no heartbeat for over a minute; the sweep hands the job back
    # (the broker is down here, so no worker takes it meanwhile).
    JobRun.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=2)
    )
    with dead_broker():
        assert jobs.jobs_restart_stale()["restarted"] == 1
    expect(box.locator('[data-field="status"]')).to_have_text("Queued")
    expect(attempt).to_be_visible()
    expect(attempt).to_have_text(
        "Attempt 1 of 3 did not finish: the previous worker stopped (no heartbeat for "
        "60 s). Attempt 2 starts when a worker is free."
    )
