"""Thin Celery tasks: load ids, call one service. Scheduled in django-celery-beat
(the hourly check is created by migration 0002 and can be paused or re-timed in the
admin under Periodic tasks)."""

from smtplib import SMTPException

from celery import shared_task

LOW_STOCK_CHECK = "inventory.tasks.low_stock_check"


@shared_task(acks_late=True)
def low_stock_check() -> dict:
    """Open and close low-stock alerts; queues one e-mail per new alert."""
    from inventory.services import low_stock_alerts_sync

    result = low_stock_alerts_sync()
    return {
        "checked": result.checked,
        "low": result.low,
        "opened": len(result.opened),
        "closed": len(result.closed),
    }


@shared_task(
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def low_stock_alert_notify(alert_id: int) -> bool:
    """E-mail the managers about one alert (once; a repeat delivery does nothing)."""
    from inventory.models import LowStockAlert
    from inventory.services import low_stock_alert_notify as notify

    alert = LowStockAlert.objects.filter(pk=alert_id).first()
    if alert is None:
        return False
    return notify(alert=alert)
