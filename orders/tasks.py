"""Thin Celery tasks: load ids, call one service. The outbox sweep runs every five
minutes from django-celery-beat (created by migration 0002; pause or re-time it in
the admin under Periodic tasks)."""

from smtplib import SMTPException

from celery import shared_task

from orders.emails import MAX_ATTEMPTS


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def order_email_send(email_id: int) -> bool:
    """Send one order e-mail (once; a repeated delivery finds it claimed)."""
    from orders.emails import order_email_send as send

    return send(email_id=email_id)


@shared_task(acks_late=True)
def order_emails_sweep() -> int:
    """Enqueue order e-mails still unsent (the broker was down, a worker died)."""
    from orders.emails import order_emails_sweep as sweep

    return sweep()
