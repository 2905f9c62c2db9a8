import importlib
from datetime import timedelta
from io import StringIO
from smtplib import SMTPException

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from customers.models import Interaction, Task
from customers.services import task_set_done
from opportunities import tasks
from opportunities.follow_ups import (
    follow_up_digest_send,
    opportunities_follow_up,
    opportunity_stale_list,
)
from opportunities.models import FollowUpDigest, Opportunity, Stage
from opportunities.services import opportunity_move
from tests.opportunities.factories import opportunity
from tests.sms.factories import RepFactory

pytestmark = pytest.mark.django_db


def _idle(opp, days: int) -> Opportunity:
    """Pretend nothing has happened on ``opp`` for ``days`` days."""
    Opportunity.objects.filter(pk=opp.pk).update(
        last_activity_at=timezone.now() - timedelta(days=days)
    )
    opp.refresh_from_db()
    return opp


def _run(capture, **kwargs):
    with capture(execute=True):
        return opportunities_follow_up(**kwargs)


@pytest.fixture
def rep():
    return RepFactory(email="rita@example.com")


def test_stale_check_creates_one_task_per_opportunity_and_none_on_a_second_run(
    rep, django_capture_on_commit_callbacks
):
    stale = _idle(opportunity(owner=rep, title="Printers"), 20)
    _idle(opportunity(owner=rep, title="Toner"), 15)
    _idle(opportunity(owner=rep, title="Fresh"), 3)

    first = _run(django_capture_on_commit_callbacks)
    second = _run(django_capture_on_commit_callbacks)

    assert len(first.created) == 2
    assert second.created == []
    assert second.already_open == 2
    assert Task.objects.count() == 2
    stale.refresh_from_db()
    task = stale.follow_up_task
    assert task.title == "Follow up: Printers (no activity for 20 days)"
    assert task.assigned_to == rep
    assert task.customer == stale.customer
    assert task.due_on == timezone.localdate()


def test_a_done_task_allows_a_new_one_when_the_opportunity_is_stale_again(
    rep, django_capture_on_commit_callbacks
):
    opp = _idle(opportunity(owner=rep), 20)
    _run(django_capture_on_commit_callbacks)
    opp.refresh_from_db()
    first = opp.follow_up_task
    task_set_done(task=first, done=True)

    # Finishing the follow-up counts as activity: not stale again at once ...
    assert _run(django_capture_on_commit_callbacks).created == []
    # ... but once that is old too, a new task is made.
    Task.objects.filter(pk=first.pk).update(done_at=timezone.now() - timedelta(days=15))
    result = _run(django_capture_on_commit_callbacks)
    assert len(result.created) == 1
    opp.refresh_from_db()
    assert opp.follow_up_task != first
    assert Task.objects.filter(done=False).count() == 1


def test_past_expected_close_is_caught_even_with_recent_activity(
    rep, django_capture_on_commit_callbacks
):
    closed_on = timezone.localdate() - timedelta(days=2)
    opp = opportunity(owner=rep, title="Desks", expected_close_date=closed_on)
    result = _run(django_capture_on_commit_callbacks)
    assert len(result.created) == 1
    opp.refresh_from_db()
    assert opp.follow_up_task.title == (
        f"Follow up: Desks (expected close passed on {closed_on.isoformat()})"
    )


def test_an_interaction_on_the_customer_counts_as_activity(
    rep, django_capture_on_commit_callbacks
):
    opp = _idle(opportunity(owner=rep), 30)
    Interaction.objects.create(
        customer=opp.customer,
        occurred_at=timezone.now() - timedelta(days=2),
        summary="Called",
        created_by=rep,
    )
    assert list(opportunity_stale_list()) == []
    assert _run(django_capture_on_commit_callbacks).created == []


def test_stage_moves_reset_the_clock_and_closed_deals_are_ignored(
    rep, django_capture_on_commit_callbacks
):
    moved = _idle(opportunity(owner=rep), 30)
    opportunity_move(opportunity=moved, to_stage=Stage.QUALIFIED, user=rep)
    lost = _idle(opportunity(owner=rep), 30)
    opportunity_move(opportunity=lost, to_stage=Stage.LOST, user=rep, lost_note="No")
    Opportunity.objects.filter(pk=lost.pk).update(
        last_activity_at=timezone.now() - timedelta(days=30)
    )
    assert _run(django_capture_on_commit_callbacks).stale == 0


def test_the_threshold_comes_from_the_setting(
    rep, settings, django_capture_on_commit_callbacks
):
    _idle(opportunity(owner=rep), 5)
    assert _run(django_capture_on_commit_callbacks).stale == 0
    settings.SMS_STALE_OPPORTUNITY_DAYS = 5
    assert len(_run(django_capture_on_commit_callbacks).created) == 1


def test_inactive_owners_get_no_task_and_are_reported(
    rep, django_capture_on_commit_callbacks
):
    gone = RepFactory()
    opp = _idle(opportunity(owner=gone, title="Orphan"), 20)
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("follow_up_opportunities", stdout=out)
    assert Task.objects.count() == 0
    text = out.getvalue()
    assert f"no task: #{opp.pk} Orphan" in text
    assert "1 with an inactive owner" in text


def test_command_prints_a_summary(rep, django_capture_on_commit_callbacks):
    _idle(opportunity(owner=rep, title="Printers"), 20)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("follow_up_opportunities", stdout=out)
    text = out.getvalue()
    assert "Follow up: Printers (no activity for 20 days)" in text
    assert "1 stale opportunities: 1 task(s) created" in text
    assert "1 digest(s) queued" in text


# The digest ------------------------------------------------------------------------


def test_digest_is_sent_once_per_rep_per_day(rep, django_capture_on_commit_callbacks):
    other = RepFactory(email="otto@example.com")
    _idle(opportunity(owner=rep, title="Printers"), 20)
    _idle(opportunity(owner=rep, title="Toner"), 20)
    _idle(opportunity(owner=other, title="Chairs"), 20)
    opportunity(owner=RepFactory(email="quiet@example.com"))  # nothing stale

    _run(django_capture_on_commit_callbacks)
    _run(django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == [
        "otto@example.com",
        "rita@example.com",
    ]
    message = next(m for m in mail.outbox if m.to == ["rita@example.com"])
    assert "2 stale opportunities, 2 new tasks" in message.subject
    assert "Follow up: Printers (no activity for 20 days)" in message.body
    assert "Toner" in message.body
    assert "Chairs" not in message.body
    assert FollowUpDigest.objects.filter(user=rep).count() == 1


def test_digest_is_queued_on_commit_not_before(rep, django_capture_on_commit_callbacks):
    _idle(opportunity(owner=rep), 20)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        opportunities_follow_up()
    # One digest queued; analytics' cache refresh (analytics/cache.py) also waits
    # for the commit, since the opportunity was saved.
    digests = [c for c in callbacks if "follow_up_digest_send" in repr(c)]
    assert len(digests) == 1
    assert mail.outbox == []


def test_digest_claim_is_undone_when_mail_fails_so_a_retry_sends(rep, monkeypatch):
    _idle(opportunity(owner=rep), 20)
    today = timezone.localdate()

    def broken(*args, **kwargs):
        raise SMTPException("server down")

    monkeypatch.setattr("opportunities.follow_ups.send_mail", broken)
    with pytest.raises(SMTPException):
        follow_up_digest_send(user=rep, day=today)
    assert not FollowUpDigest.objects.exists()
    monkeypatch.undo()
    assert follow_up_digest_send(user=rep, day=today) is True
    assert follow_up_digest_send(user=rep, day=today) is False
    assert len(mail.outbox) == 1


def test_digest_task_retries_on_mail_errors_and_ignores_gone_users():
    assert SMTPException in tasks.follow_up_digest_send.autoretry_for
    assert tasks.follow_up_digest_send.acks_late is True
    assert tasks.follow_up_check.acks_late is True
    assert tasks.follow_up_digest_send(987654, "2026-01-01", 14) is False


def test_check_task_returns_counts(rep, django_capture_on_commit_callbacks):
    _idle(opportunity(owner=rep), 20)
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.follow_up_check()
    assert result == {
        "stale": 1,
        "created": 1,
        "already_open": 0,
        "inactive_owner": 0,
        "digests_queued": 1,
    }
    assert len(mail.outbox) == 1


def test_the_daily_check_is_a_periodic_task_admins_can_see():
    # What migrate ran (run again here: a transactional test's flush empties the
    # table); running it twice keeps one task.
    migration = importlib.import_module(
        "opportunities.migrations.0006_follow_up_periodic_task"
    )
    migration.periodic_task_create(django_apps, None)
    migration.periodic_task_create(django_apps, None)
    task = PeriodicTask.objects.get(task=tasks.FOLLOW_UP_CHECK)
    assert task.enabled
    assert task.crontab.hour == "6"
    assert task.crontab.minute == "30"
