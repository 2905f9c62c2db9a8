from celery import shared_task


@shared_task(acks_late=True)
def ping(echo: str) -> dict:
    """Round trip through the broker and the database; used by health tests and ops."""
    from django.contrib.auth import get_user_model

    return {"echo": echo, "users": get_user_model().objects.count()}
