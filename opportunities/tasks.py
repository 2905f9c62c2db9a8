"""Thin Celery tasks: load ids, call one service. The daily quote expiry and the
quote e-mail outbox sweep run from django-celery-beat (created by migration 0004;
pause or re-time them in the admin under Periodic tasks)."""

from smtplib import SMTPException

from celery import shared_task

from opportunities.emails import MAX_ATTEMPTS


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def quote_email_send(email_id: int) -> bool:
    """Send one quote e-mail (once; a repeated delivery finds it claimed)."""
    from opportunities.emails import quote_email_send as send

    return send(email_id=email_id)


@shared_task(acks_late=True)
def quote_emails_sweep() -> int:
    """Enqueue quote e-mails still unsent (the broker was down, a worker died)."""
    from opportunities.emails import quote_emails_sweep as sweep

    return sweep()


@shared_task(acks_late=True)
def quotes_expire() -> int:
    """Mark quotes past their validity date expired (daily)."""
    from opportunities.services import quotes_expire as expire

    return expire()
