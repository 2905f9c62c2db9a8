"""E-mails to the customer when an order is confirmed and when a shipment leaves.

An e-mail is first a row (OrderEmail, the outbox) written in the same transaction
as the event, keyed by the event so it exists once. After commit a Celery task is
enqueued to send it; if the broker is down the enqueue fails quietly (the order is
already saved) and the periodic sweep (orders.tasks.order_emails_sweep) sends it
when the broker is back. Sending claims the row first (pending -> sending, one
UPDATE), so a task delivered twice sends once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order, OrderEmail, Shipment
from sms.broker import enqueue

logger = logging.getLogger(__name__)
EmailStatus = OrderEmail.Status

MAX_ATTEMPTS = 5
# A row left "sending" this long belongs to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=15)
# Rows younger than this are still in the hands of their own on-commit task.
SWEEP_GRACE = timedelta(minutes=1)

TEMPLATES = {
    OrderEmail.Kind.CONFIRMATION: "orders/email/confirmation",
    OrderEmail.Kind.SHIPMENT: "orders/email/shipment",
}


def _recipient(order: Order) -> str:
    customer = order.customer
    if customer.email:
        return customer.email
    contact = customer.contacts.exclude(email="").order_by("-is_primary", "pk").first()
    return contact.email if contact else ""


def _enqueue(email_id: int) -> None:
    """Hand the e-mail to a worker. Never raises: the row is the source of truth."""
    from orders.tasks import order_email_send as send_task

    enqueue(send_task, (email_id,), what=f"Order e-mail {email_id}")


def email_queue(
    *, order: Order, kind: str, event_key: str, shipment: Shipment | None = None
) -> OrderEmail | None:
    """Write the outbox row for one event (once) and send it after commit."""
    if OrderEmail.objects.filter(event_key=event_key).exists():
        return None
    to_address = _recipient(order)
    email = OrderEmail.objects.create(
        order=order,
        shipment=shipment,
        kind=kind,
        event_key=event_key,
        to_address=to_address,
        status=EmailStatus.PENDING if to_address else EmailStatus.SKIPPED,
        last_error="" if to_address else _("The customer has no e-mail address."),
    )
    if to_address:
        transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _message(email: OrderEmail) -> EmailMultiAlternatives:
    order = email.order
    context = {
        "order": order,
        "customer": order.customer,
        "lines": list(order.lines.all()),
        "shipment": email.shipment,
        "shipment_lines": (
            list(email.shipment.lines.select_related("order_line"))
            if email.shipment_id
            else []
        ),
        "currency": settings.SMS_CURRENCY,
    }
    if email.kind == OrderEmail.Kind.CONFIRMATION:
        subject = _("Order %(number)s confirmed") % {"number": order.number}
    else:
        subject = _("Order %(number)s has shipped") % {"number": order.number}
    base = TEMPLATES[email.kind]
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message


def order_email_send(*, email_id: int) -> bool:
    """Send one outbox e-mail if it is still pending. Returns whether it was sent.

    A failure puts the row back to pending (or failed after MAX_ATTEMPTS) with the
    error, and re-raises so the task retries with backoff.
    """
    now = timezone.now()
    claimed = OrderEmail.objects.filter(pk=email_id, status=EmailStatus.PENDING).update(
        status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    email = OrderEmail.objects.select_related("order__customer", "shipment").get(
        pk=email_id
    )
    try:
        _message(email).send()
    except Exception as exc:
        status = (
            EmailStatus.FAILED
            if email.attempts >= MAX_ATTEMPTS
            else EmailStatus.PENDING
        )
        OrderEmail.objects.filter(pk=email_id).update(
            status=status, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    OrderEmail.objects.filter(pk=email_id).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def order_emails_sweep(*, now=None) -> int:
    """Re-enqueue what is still unsent: pending rows past the grace period, and
    rows a dead worker left "sending". Returns how many were enqueued."""
    now = now or timezone.now()
    OrderEmail.objects.filter(
        status=EmailStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=EmailStatus.PENDING)
    ids = list(
        OrderEmail.objects.filter(
            status=EmailStatus.PENDING, created_at__lt=now - SWEEP_GRACE
        ).values_list("pk", flat=True)[:500]
    )
    for email_id in ids:
        _enqueue(email_id)
    return len(ids)


@transaction.atomic
def order_email_retry(*, email: OrderEmail) -> OrderEmail:
    """Try a failed e-mail again (a button on the order page)."""
    email = OrderEmail.objects.select_for_update().get(pk=email.pk)
    if email.status != EmailStatus.FAILED:
        raise ValidationError(_("Only a failed e-mail can be sent again."))
    email.status = EmailStatus.PENDING
    email.attempts = 0
    email.save(update_fields=["status", "attempts"])
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email
