"""Thin Celery tasks: load ids, call one service. Periodic ones are scheduled in
django-celery-beat by data migrations, so admins can pause or re-time them."""

from datetime import date
from smtplib import SMTPException

from celery import shared_task

# Follow-ups ---------------------------------------------------------------------
# The daily check is created by migration 0004_follow_up_periodic_task.

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


# End of follow-ups ----------------------------------------------------------------
