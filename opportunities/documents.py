"""The quote as a customer document: a printable page and a PDF.

What the quote says is assembled once, by quote_data; the page
(opportunities/quote_print.html) and the PDF (quote_pdf, drawn with the letterhead,
tables and totals of sms.documents, as invoices are) both print that, so they never
disagree.
Amounts are the ones stored on the quote and its lines (opportunities.services
computed them); only the per-rate tax breakdown is summed here.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.documents import customer_party
from opportunities.models import Quote, QuoteLine
from sms.documents import (
    DocumentPdf,
    Party,
    Seller,
    TaxBand,
    format_date,
    priced_lines_table,
    seller,
    tax_bands,
    totals_rows,
)


@dataclass(frozen=True)
class QuoteData:
    quote: Quote
    seller: Seller
    title: str
    # Printed across the page when the quote is not (or no longer) an offer.
    watermark: str
    number: str
    quote_date: date
    valid_until: date
    currency: str
    to: Party
    reference: str
    lines: tuple[QuoteLine, ...]
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    tax_bands: tuple[TaxBand, ...]
    tax: Decimal
    total: Decimal
    notes: str

    @property
    def filename(self) -> str:
        return f"{self.number}-quote.pdf"

    @property
    def terms_text(self) -> str:
        return _(
            "This quote is valid until %(date)s. Prices are in %(currency)s; to "
            "accept, reply quoting %(number)s."
        ) % {
            "date": format_date(self.valid_until),
            "currency": self.currency,
            "number": self.number,
        }


WATERMARKS = {
    Quote.Status.DRAFT: lambda: _("DRAFT"),
    Quote.Status.REJECTED: lambda: _("REJECTED"),
    Quote.Status.EXPIRED: lambda: _("EXPIRED"),
}


def quote_party(quote: Quote) -> Party:
    """The customer, or a lead's company and contact."""
    opportunity = quote.opportunity
    if opportunity.customer_id:
        return customer_party(opportunity.customer)
    lines = (opportunity.lead_contact, opportunity.lead_email)
    return Party(
        name=opportunity.lead_company, address_lines=tuple(x for x in lines if x)
    )


def quote_data(quote: Quote) -> QuoteData:
    """Everything the quote prints. The quote comes with its opportunity, customer
    and lines loaded (opportunities.selectors.quote_documents)."""
    lines = tuple(quote.lines.all())
    watermark = WATERMARKS.get(quote.status)
    return QuoteData(
        quote=quote,
        seller=seller(),
        title=_("Quote"),
        watermark=watermark() if watermark else "",
        number=quote.number,
        quote_date=timezone.localdate(quote.sent_at or quote.created_at),
        valid_until=quote.valid_until,
        currency=settings.SMS_CURRENCY,
        to=quote_party(quote),
        reference=quote.opportunity.title,
        lines=lines,
        subtotal=quote.subtotal,
        discount=quote.discount_total,
        net=quote.net_total,
        tax_bands=tax_bands(lines),
        tax=quote.tax_total,
        total=quote.total,
        notes=quote.notes,
    )


def quote_pdf(data: QuoteData) -> bytes:
    """The quote as an A4 PDF: the same content as opportunities/quote_print.html."""
    pdf = DocumentPdf(title=data.title, number=data.number, watermark=data.watermark)
    pdf.add_page()
    pdf.letterhead(data.seller, full=True)
    facts = [
        (_("Quote number"), data.number),
        (_("Date"), format_date(data.quote_date)),
        (_("Valid until"), format_date(data.valid_until)),
        (_("Reference"), data.reference),
        (_("Currency"), data.currency),
    ]
    if data.watermark:
        facts.append((_("Status"), data.watermark))
    pdf.address_and_facts(heading=_("Quote for"), party=data.to, facts=facts)
    priced_lines_table(pdf, data.lines)
    rows = totals_rows(
        subtotal=data.subtotal,
        discount=data.discount,
        net=data.net,
        bands=data.tax_bands,
        total=data.total,
        currency=data.currency,
    )
    pdf.key_values(rows)
    if data.notes:
        pdf.paragraph(data.notes, heading=_("Notes"))
    pdf.paragraph(data.terms_text, heading=_("Terms"))
    return bytes(pdf.output())
