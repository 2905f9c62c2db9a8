"""The outbox (sms.outbox) as a mechanism, whatever the use: one row per event,
back-off between attempts, giving up after the last, the sweep's choice of rows,
the manual retry, and the claim that keeps two workers from sending one message
twice (on PostgreSQL, with real row locks)."""

import importlib
import threading
import time
from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from orders.models import OrderEmail
from sms.outbox import registry
from sms.outbox.registry import Outbox
from sms.outbox.services import (
    STALE_CLAIM,
    SWEEP_GRACE,
    outbox_claim,
    outbox_queue,
    outbox_retry,
    outbox_send,
    outbox_sweep,
)
from sms.tasks import outbox_send as outbox_send_task
from tests.orders.factories import draft_order

Status = OrderEmail.Status
LABEL = "orders.OrderEmail"


class Recorder:
    """A use's message builder: its messages record their sending, or fail."""

    def __init__(self):
        self.sent: list[int] = []
        self.failures: list[Exception] = []  # raised by the next sends, in turn
        self.pause = 0.0
        self.lock = threading.Lock()

    def build(self, message):
        recorder = self

        class Delivery:
            def send(self):
                if recorder.failures:
                    raise recorder.failures.pop(0)
                time.sleep(recorder.pause)
                with recorder.lock:
                    recorder.sent.append(message.pk)

        return Delivery()


@pytest.fixture
def recorder(monkeypatch):
    """OrderEmail rows as a use of the outbox with a recording builder, three
    attempts and a one-minute first retry (the table stands in for any use's)."""
    recorder = Recorder()
    box = Outbox(
        model=OrderEmail,
        build=recorder.build,
        max_attempts=3,
        first_retry=timedelta(minutes=1),
        longest_retry=timedelta(minutes=3),
    )
    monkeypatch.setitem(registry._outboxes, LABEL, box)
    recorder.outbox = box
    return recorder


@pytest.fixture
def eager_retries(monkeypatch):
    """In-process tasks that do their retries at once (a worker waits each
    retry's countdown) instead of raising them."""
    monkeypatch.setitem(outbox_send_task.app.conf, "task_eager_propagates", False)


@pytest.fixture
def order(db):
    return draft_order()


def _row(order, key: str = "event:1", **fields) -> OrderEmail:
    fields.setdefault("to_address", "buyer@example.com")
    return OrderEmail.objects.create(
        order=order, kind=OrderEmail.Kind.CONFIRMATION, event_key=key, **fields
    )


def test_retry_delay_doubles_from_the_first_up_to_the_longest():
    box = Outbox(model=OrderEmail, build=lambda message: message)
    assert [box.retry_delay(n).total_seconds() for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


@pytest.mark.django_db
def test_queueing_one_event_twice_writes_one_row_and_sends_once(
    recorder, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = outbox_queue(
            model=OrderEmail,
            event_key="confirmed:7",
            order=order,
            kind=OrderEmail.Kind.CONFIRMATION,
            to_address="buyer@example.com",
        )
        again = outbox_queue(
            model=OrderEmail,
            event_key="confirmed:7",
            order=order,
            kind=OrderEmail.Kind.CONFIRMATION,
            to_address="other@example.com",
        )
    assert again.pk == first.pk
    assert OrderEmail.objects.filter(event_key="confirmed:7").count() == 1
    assert len(callbacks) == 1
    assert recorder.sent == [first.pk]
    first.refresh_from_db()
    assert (first.status, first.attempts, first.to_address) == (
        Status.SENT,
        1,
        "buyer@example.com",
    )


@pytest.mark.django_db
def test_a_row_queued_as_skipped_is_not_handed_to_a_worker(
    recorder, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outbox_queue(
            model=OrderEmail,
            event_key="confirmed:8",
            order=order,
            kind=OrderEmail.Kind.CONFIRMATION,
            status=Status.SKIPPED,
        )
    assert callbacks == [] and recorder.sent == []


@pytest.mark.django_db
def test_each_failure_waits_longer_and_the_last_one_fails_for_good(recorder, order):
    email = _row(order)
    recorder.failures = [SMTPException("421 try later") for _ in range(3)]
    waits = []
    for attempt in (1, 2, 3):
        before = timezone.now()
        with pytest.raises(SMTPException):
            outbox_send(label=LABEL, message_id=email.pk)
        after = timezone.now()
        email.refresh_from_db()
        assert email.attempts == attempt
        assert "421 try later" in email.last_error
        waits.append((email.next_attempt_at - before, email.next_attempt_at - after))
        assert email.status == (Status.FAILED if attempt == 3 else Status.PENDING)
    for (upper, lower), expected in zip(waits[:2], (60, 120), strict=True):
        assert lower.total_seconds() <= expected <= upper.total_seconds()
    # Failed for good: a late delivery sends nothing and tries nothing.
    assert outbox_send(label=LABEL, message_id=email.pk) is False
    email.refresh_from_db()
    assert email.attempts == 3 and recorder.sent == []


@pytest.mark.django_db
def test_the_task_retries_until_sent(recorder, order, eager_retries):
    email = _row(order)
    recorder.failures = [OSError("connection refused")]
    assert outbox_send_task.apply(args=(LABEL, email.pk)).get() is True
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Status.SENT, 2, "")
    assert recorder.sent == [email.pk]


@pytest.mark.django_db
def test_the_task_stops_retrying_after_the_last_attempt(recorder, order, eager_retries):
    email = _row(order)
    recorder.failures = [SMTPException(f"attempt {n}") for n in range(1, 6)]
    result = outbox_send_task.apply(args=(LABEL, email.pk))
    with pytest.raises(SMTPException, match="attempt 3"):
        result.get()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 3)
    assert len(recorder.failures) == 2  # two sends never tried


@pytest.mark.django_db
def test_the_sweep_takes_due_and_abandoned_rows_only(recorder, order):
    now = timezone.now()
    due = _row(order, "due", next_attempt_at=now - SWEEP_GRACE - timedelta(seconds=1))
    _row(order, "own-task", next_attempt_at=now - SWEEP_GRACE + timedelta(seconds=5))
    _row(order, "backing-off", next_attempt_at=now + timedelta(minutes=2))
    for status in (Status.SENT, Status.FAILED, Status.SKIPPED):
        _row(order, status, status=status, next_attempt_at=now - timedelta(days=1))
    abandoned = _row(
        order,
        "abandoned",
        status=Status.SENDING,
        claimed_at=now - STALE_CLAIM - timedelta(seconds=1),
        next_attempt_at=now - timedelta(days=1),
    )
    _row(
        order,
        "being-sent",
        status=Status.SENDING,
        claimed_at=now - timedelta(minutes=2),
        next_attempt_at=now - timedelta(days=1),
    )

    with mock.patch("sms.outbox.services._enqueue") as enqueued:
        assert outbox_sweep(now=now) == 2
    assert {call.args[0].pk for call in enqueued.call_args_list} == {
        due.pk,
        abandoned.pk,
    }
    abandoned.refresh_from_db()
    assert abandoned.status == Status.PENDING

    # Without the mock the sweep's tasks send them, once.
    assert outbox_sweep(now=now) == 2
    assert sorted(recorder.sent) == sorted([due.pk, abandoned.pk])
    assert outbox_sweep(now=now) == 0


@pytest.mark.django_db
def test_only_a_failed_row_can_be_retried_by_hand(
    recorder, order, django_capture_on_commit_callbacks
):
    email = _row(order, status=Status.FAILED, attempts=3, last_error="550 no")
    with django_capture_on_commit_callbacks(execute=True):
        outbox_retry(message=email)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 1)
    assert recorder.sent == [email.pk]
    with pytest.raises(ValidationError):
        outbox_retry(message=email)


@pytest.mark.django_db
def test_the_admin_action_sends_failed_rows_again(
    recorder, order, admin_client, django_capture_on_commit_callbacks
):
    failed = _row(order, "failed", status=Status.FAILED, attempts=3)
    sent = _row(order, "sent", status=Status.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/orders/orderemail/",
            {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert "1 message queued again." in response.content.decode()
    assert recorder.sent == [failed.pk]
    page = admin_client.get(f"/admin/orders/orderemail/{failed.pk}/change/")
    assert page.status_code == 200 and "Next attempt" in page.content.decode()


@pytest.mark.django_db
def test_the_outbox_sweep_is_one_periodic_task_admins_can_edit():
    # What migrate ran (run again: a transactional test's flush empties the
    # table); running it twice keeps one task.
    migration = importlib.import_module(
        "sms.migrations.0006_outbox_sweep_periodic_task"
    )
    migration.Migration.operations[0].code(django_apps, None)
    migration.Migration.operations[0].code(django_apps, None)
    task = PeriodicTask.objects.get(task="sms.tasks.outbox_sweep")
    assert task.enabled and task.crontab.minute == "*/5"


# PostgreSQL: real row locks ----------------------------------------------------------


def _threads(*targets) -> None:
    workers = [threading.Thread(target=target) for target in targets]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert not any(worker.is_alive() for worker in workers), "a thread hung"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_waits_for_the_other_and_then_finds_the_row_taken(recorder, order):
    email = _row(order)
    first_claimed = threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():
                outcomes["first"] = outbox_claim(
                    outbox=recorder.outbox, message_id=email.pk
                )
                first_claimed.set()
                time.sleep(0.5)  # the second claim runs now, against our lock
        finally:
            first_claimed.set()
            connection.close()

    def second():
        try:
            first_claimed.wait(timeout=10)
            started = time.monotonic()
            outcomes["second"] = outbox_claim(
                outbox=recorder.outbox, message_id=email.pk
            )
            outcomes["waited"] = time.monotonic() - started
        finally:
            connection.close()

    _threads(first, second)
    assert outcomes["first"] is not None and outcomes["first"].attempts == 1
    assert outcomes["second"] is None
    assert outcomes["waited"] > 0.2  # it waited on the row lock, then re-read
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENDING, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_workers_delivered_one_message_send_it_once(recorder, order):
    email = _row(order)
    recorder.pause = 0.2  # a slow SMTP server: the others arrive mid-send
    barrier = threading.Barrier(8, timeout=20)
    results = []

    def deliver():
        try:
            barrier.wait()
            results.append(outbox_send(label=LABEL, message_id=email.pk))
        finally:
            connection.close()

    _threads(*[deliver] * 8)
    assert sorted(results) == [False] * 7 + [True]
    assert recorder.sent == [email.pk]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 1)
