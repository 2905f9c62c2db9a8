"""The e-mail that sends a quote to the customer, with the quote's PDF attached.

Like the order e-mails (orders.emails): the e-mail is first a row (QuoteEmail, the
outbox) written in the transaction that marks the quote sent, keyed by the event
so it exists once. After commit a Celery task is enqueued to send it; if the broker
is down the enqueue fails quietly and the periodic sweep
(opportunities.tasks.quote_emails_sweep) sends it later. Sending claims the row
first (pending -> sending, one UPDATE), so a task delivered twice sends once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from opportunities.documents import quote_data, quote_pdf
from opportunities.models import Quote, QuoteEmail, QuoteLine
from sms.broker import enqueue

logger = logging.getLogger(__name__)
EmailStatus = QuoteEmail.Status

MAX_ATTEMPTS = 5
# A row left "sending" this long belongs to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=15)
# Rows younger than this are still in the hands of their own on-commit task.
SWEEP_GRACE = timedelta(minutes=1)


def quote_recipient(quote: Quote) -> str:
    """The customer's e-mail, else its primary (or first) contact's with one, else
    a lead's contact e-mail; "" when there is none."""
    opportunity = quote.opportunity
    customer = opportunity.customer
    if customer is None:
        return opportunity.lead_email
    if customer.email:
        return customer.email
    contact = customer.contacts.exclude(email="").order_by("-is_primary", "pk").first()
    return contact.email if contact else ""


def _enqueue(email_id: int) -> None:
    """Hand the e-mail to a worker. Never raises: the row is the source of truth."""
    from opportunities.tasks import quote_email_send as send_task

    enqueue(send_task, (email_id,), what=f"Quote e-mail {email_id}")


def quote_email_queue(*, quote: Quote, to_address: str) -> QuoteEmail:
    """Write the outbox row for sending ``quote`` (once) and send it after commit.
    Call inside the transaction that marks the quote sent."""
    email, created = QuoteEmail.objects.get_or_create(
        event_key=f"quote:{quote.pk}:sent",
        defaults={"quote": quote, "to_address": to_address},
    )
    if created:
        transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def quote_email_requeue(*, email: QuoteEmail) -> QuoteEmail:
    """Try a failed e-mail again (the Send button on a quote whose e-mail failed).
    Call inside a transaction that has locked the quote."""
    updated = QuoteEmail.objects.filter(pk=email.pk, status=EmailStatus.FAILED).update(
        status=EmailStatus.PENDING, attempts=0
    )
    if updated:
        transaction.on_commit(lambda: _enqueue(email.pk))
    email.refresh_from_db()
    return email


def _message(email: QuoteEmail) -> EmailMultiAlternatives:
    quote = (
        Quote.objects.select_related("opportunity__customer")
        .prefetch_related(
            Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "pk"))
        )
        .get(pk=email.quote_id)
    )
    doc = quote_data(quote)
    context = {
        "quote": quote,
        "doc": doc,
        "lines": doc.lines,
        "currency": settings.SMS_CURRENCY,
    }
    message = EmailMultiAlternatives(
        subject=_("Quote %(number)s: %(title)s")
        % {"number": quote.number, "title": quote.opportunity.title},
        body=render_to_string("opportunities/email/quote.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
    )
    message.attach_alternative(
        render_to_string("opportunities/email/quote.html", context), "text/html"
    )
    message.attach(doc.filename, quote_pdf(doc), "application/pdf")
    return message


def quote_email_send(*, email_id: int) -> bool:
    """Send one outbox e-mail if it is still pending. Returns whether it was sent.

    A failure puts the row back to pending (or failed after MAX_ATTEMPTS) with the
    error, and re-raises so the task retries with backoff.
    """
    claimed = QuoteEmail.objects.filter(pk=email_id, status=EmailStatus.PENDING).update(
        status=EmailStatus.SENDING,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False
    email = QuoteEmail.objects.get(pk=email_id)
    try:
        _message(email).send()
    except Exception as exc:
        status = (
            EmailStatus.FAILED
            if email.attempts >= MAX_ATTEMPTS
            else EmailStatus.PENDING
        )
        QuoteEmail.objects.filter(pk=email_id).update(
            status=status, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    QuoteEmail.objects.filter(pk=email_id).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def quote_emails_sweep(*, now=None) -> int:
    """Re-enqueue what is still unsent: pending rows past the grace period, and
    rows a dead worker left "sending". Returns how many were enqueued."""
    now = now or timezone.now()
    QuoteEmail.objects.filter(
        status=EmailStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=EmailStatus.PENDING)
    ids = list(
        QuoteEmail.objects.filter(
            status=EmailStatus.PENDING, created_at__lt=now - SWEEP_GRACE
        ).values_list("pk", flat=True)[:500]
    )
    for email_id in ids:
        _enqueue(email_id)
    return len(ids)
