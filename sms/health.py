"""Liveness and readiness for load balancers and docker-compose health checks."""

from django.conf import settings
from django.db import DatabaseError, connection
from kombu import Connection


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_status() -> str:
    """'eager' without a broker (tasks run in-process), else 'ok' or an error."""
    url = settings.CELERY_BROKER_URL
    if not url:
        return "eager"
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"
