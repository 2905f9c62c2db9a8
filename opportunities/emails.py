"""The e-mail that sends a quote to the customer, with the quote's PDF attached: a
use of sms's outbox (declared in OpportunitiesConfig.ready()). Marking the quote
sent writes the row; the outbox sends it once, retries and sweeps it."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from opportunities.documents import quote_data, quote_pdf
from opportunities.models import Quote, QuoteEmail, QuoteLine
from sms.outbox.services import outbox_queue


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


def quote_email_queue(*, quote: Quote, to_address: str) -> QuoteEmail:
    """Write the outbox row for sending ``quote`` (once). Call inside the
    transaction that marks the quote sent."""
    return outbox_queue(
        model=QuoteEmail,
        event_key=f"quote:{quote.pk}:sent",
        quote=quote,
        to_address=to_address,
    )


def quote_email_message(email: QuoteEmail) -> EmailMultiAlternatives:
    """The outbox's message builder for a quote e-mail."""
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
