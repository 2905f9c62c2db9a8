"""Thin Celery tasks: load ids, call one service. Periodic ones are scheduled in
django-celery-beat by data migrations (quote expiry: 0004_quote_periodic_tasks;
the follow-up check: 0006_follow_up_periodic_task), so admins can pause or re-time
them under Periodic tasks. Quote e-mails are sent by the outbox's tasks
(sms.tasks.outbox_send and outbox_sweep)."""

from datetime import date
from smtplib import SMTPException

from celery import shared_task

# Quotes -------------------------------------------------------------------------


@shared_task(acks_late=True)
def quotes_expire() -> int:
    """Mark quotes past their validity date expired (daily)."""
    from opportunities.services import quotes_expire as expire

    return expire()


# Follow-ups ---------------------------------------------------------------------

FOLLOW_UP_CHECK = "opportunities.tasks.follow_up_check"


@shared_task(acks_late=True)
def follow_up_check() -> dict:
    """Create follow-up tasks for stale opportunities; queue the reps' digests."""
    from opportunities.follow_ups import opportunities_follow_up

    result = opportunities_follow_up()
    return {
        "stale": result.stale,
        "created": len(result.created),
        "already_open": result.already_open,
        "inactive_owner": len(result.inactive_owner),
        "digests_queued": result.digests_queued,
    }


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def follow_up_digest_send(user_id: int, day: str, stale_days: int) -> bool:
    """E-mail one rep's digest for one day (once; a repeat delivery does nothing)."""
    from opportunities.follow_ups import follow_up_digest_send_for

    return follow_up_digest_send_for(
        user_id=user_id, day=date.fromisoformat(day), stale_days=stale_days
    )
