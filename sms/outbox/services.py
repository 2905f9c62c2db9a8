"""Queue, claim, send, retry and sweep outbox rows, the same way for every use.

Sending claims the row first (pending -> sending in one conditional UPDATE; on
PostgreSQL a second UPDATE of the row waits for the first to commit and then
finds it no longer pending), so a task delivered twice, or a task and the sweep
at once, send once. A failed attempt puts the row back to pending with the next
attempt ``Outbox.retry_delay`` away, or marks it failed after ``max_attempts``;
the task retries then, and the sweep is the safety net when the broker was down
or a worker died.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sms.broker import enqueue
from sms.outbox.models import OutboxMessage
from sms.outbox.registry import Outbox, outbox_for, outboxes
from sms.tasks import outbox_send as outbox_send_task

Status = OutboxMessage.Status

# A row left "sending" this long belongs to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=15)
# Rows due less than this long ago are still in the hands of their own task (the
# on-commit one, or the task's own retry).
SWEEP_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 500


def _enqueue(message: OutboxMessage) -> None:
    """Hand the row to a worker. Never raises: the row is the source of truth."""
    label = message._meta.label
    enqueue(
        outbox_send_task,
        (label, message.pk),
        what=f"{message._meta.verbose_name.capitalize()} {message.pk}",
    )


def outbox_queue(
    *, model: type[OutboxMessage], event_key: str, **fields
) -> OutboxMessage:
    """Write the row for one event, once (an existing ``event_key`` returns the
    existing row), and hand it to a worker after commit if it is pending. Call
    inside the transaction that records the event."""
    outbox_for(model)  # an undeclared use fails here, not later in a worker
    message, created = model.objects.get_or_create(event_key=event_key, defaults=fields)
    if created and message.status == Status.PENDING:
        transaction.on_commit(partial(_enqueue, message))
    return message


def outbox_claim(*, outbox: Outbox, message_id: int) -> OutboxMessage | None:
    """Take a pending row for sending (one attempt more), or None when another
    worker has it, it is sent, failed for good, or gone."""
    claimed = outbox.model.objects.filter(pk=message_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return outbox.model.objects.get(pk=message_id)


def outbox_send(*, label: str, message_id: int) -> bool:
    """Send one row if it is still pending. Returns whether it was sent.

    A failure is recorded on the row (pending with its next attempt, or failed
    after the last one) and re-raised, so the task can retry.
    """
    outbox = outbox_for(label)
    message = outbox_claim(outbox=outbox, message_id=message_id)
    if message is None:
        return False
    rows = outbox.model.objects.filter(pk=message_id)
    try:
        outbox.message(message).send()
    except Exception as exc:
        now = timezone.now()
        given_up = message.attempts >= outbox.max_attempts
        rows.update(
            status=Status.FAILED if given_up else Status.PENDING,
            next_attempt_at=now + outbox.retry_delay(message.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    rows.update(status=Status.SENT, sent_at=timezone.now(), last_error="")
    return True


def outbox_retry_in(*, label: str, message_id: int) -> float | None:
    """Seconds until a row's next attempt, or None when it is not to be tried
    again (sent, failed for good, gone)."""
    due = (
        outbox_for(label)
        .model.objects.filter(pk=message_id, status=Status.PENDING)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if due is None:
        return None
    return max((due - timezone.now()).total_seconds(), 0.0)


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Hand every outbox's due rows to workers again: pending rows whose next
    attempt is past (beyond the grace of their own task), and rows a dead worker
    left sending. Returns how many were enqueued."""
    now = now or timezone.now()
    return sum(_sweep(outbox, now) for outbox in outboxes())


def _sweep(outbox: Outbox, now: datetime) -> int:
    rows = outbox.model.objects
    rows.filter(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=Status.PENDING, next_attempt_at=F("claimed_at")
    )
    due = list(
        rows.filter(status=Status.PENDING, next_attempt_at__lt=now - SWEEP_GRACE)
        .order_by("next_attempt_at")
        .only("pk")[:SWEEP_BATCH]
    )
    for message in due:
        _enqueue(message)
    return len(due)


@transaction.atomic
def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Try a failed row again from the start (a page's or the admin's button)."""
    message = type(message).objects.select_for_update().get(pk=message.pk)
    if message.status != Status.FAILED:
        raise ValidationError(_("Only a failed message can be sent again."))
    message.status = Status.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(partial(_enqueue, message))
    return message
