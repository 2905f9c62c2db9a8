"""Customer documents for an order: the invoice and the packing slips.

What a document says is assembled once, by invoice_data and packing_slip_data; the
HTML pages (orders/templates/orders/invoice.html, packing_slip.html) and the PDFs
(invoice_pdf, packing_slip_pdf, drawn with sms.documents) both print that, so the
page and the download never disagree. Reads only: the order comes with its customer,
warehouse and lines loaded by orders.selectors.order_documents.

Amounts are the ones stored on the order and its lines (orders.pricing computed
them); nothing is recomputed here except the per-rate tax breakdown, which adds up
the lines' rounded tax, so the bands sum to the order's tax exactly.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.documents import customer_party
from orders.models import Order, OrderLine, Shipment
from sms.documents import (
    DocumentPdf,
    Party,
    Seller,
    TaxBand,
    format_amount,
    format_date,
    format_percent,
    priced_lines_table,
    seller,
    tax_bands,
    text_lines,
    totals_rows,
)

# What the documents say -------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceData:
    order: Order
    seller: Seller
    title: str
    # Printed across the page when this is not (or no longer) a valid invoice.
    watermark: str
    is_billable: bool
    number: str
    invoice_date: date
    due_date: date | None
    payment_terms_days: int
    currency: str
    bill_to: Party
    lines: tuple[OrderLine, ...]
    order_discount_percent: Decimal
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    tax_bands: tuple[TaxBand, ...]
    tax: Decimal
    shipping: Decimal
    total: Decimal
    paid: Decimal
    balance_due: Decimal

    @property
    def filename(self) -> str:
        return f"{self.number}-invoice.pdf"

    @property
    def payment_text(self) -> str:
        return payment_instructions(self)


@dataclass(frozen=True)
class PackingLine:
    sku: str
    description: str
    ordered: int
    shipped: int  # so far, or in this shipment on a shipment's slip
    open: int  # still to ship after what is shipped so far


@dataclass(frozen=True)
class PackingSlipData:
    order: Order
    seller: Seller
    title: str
    watermark: str
    number: str
    order_date: date
    ship_to: Party
    warehouse_name: str
    warehouse_lines: tuple[str, ...]
    lines: tuple[PackingLine, ...]
    # The shipment this slip is for; None for the slip of the whole order.
    shipment: Shipment | None
    shipments: tuple[Shipment, ...]

    @property
    def filename(self) -> str:
        if self.shipment is not None:
            return f"{self.number}-shipment-{self.shipment.pk}-packing-slip.pdf"
        return f"{self.number}-packing-slip.pdf"


def invoice_data(order: Order) -> InvoiceData:
    """Everything the invoice prints. A draft gives a pro-forma marked as not an
    invoice; a cancelled order's invoice is marked cancelled and asks for nothing."""
    lines = tuple(order.lines.all())
    billable = order.status in Order.BILLABLE
    if order.status == Order.Status.DRAFT:
        title, watermark = _("Pro-forma invoice"), _("DRAFT — not an invoice")
    elif order.status == Order.Status.CANCELLED:
        title, watermark = _("Invoice"), _("CANCELLED")
    else:
        title, watermark = _("Invoice"), ""
    invoice_date = (
        timezone.localdate(order.confirmed_at)
        if order.confirmed_at
        else order.order_date
    )
    due_date = order.due_date
    if due_date is None and order.status == Order.Status.DRAFT:
        # What confirming would set (orders.services.order_confirm).
        due_date = order.order_date + timedelta(days=order.payment_terms_days)
    if order.status == Order.Status.CANCELLED:
        due_date = None
    return InvoiceData(
        order=order,
        seller=seller(),
        title=title,
        watermark=watermark,
        is_billable=billable,
        number=order.number,
        invoice_date=invoice_date,
        due_date=due_date,
        payment_terms_days=order.payment_terms_days,
        currency=settings.SMS_CURRENCY,
        bill_to=customer_party(order.customer),
        lines=lines,
        order_discount_percent=order.discount_percent,
        subtotal=order.subtotal,
        discount=order.discount_total,
        net=order.net_total,
        tax_bands=tax_bands(lines),
        tax=order.tax_total,
        shipping=order.shipping_charge,
        total=order.total,
        paid=order.amount_paid,
        balance_due=order.balance_due,
    )


def _packing_watermark(order: Order) -> str:
    if order.status == Order.Status.DRAFT:
        return _("DRAFT — not for dispatch")
    if order.status == Order.Status.CANCELLED:
        return _("CANCELLED")
    return ""


def packing_slip_data(
    order: Order, shipment: Shipment | None = None
) -> PackingSlipData:
    """What the packing slip prints: per line what was ordered, shipped and is still
    to ship; no prices. With ``shipment``, the slip of that one shipment (its lines
    and quantities, carrier and tracking number)."""
    if shipment is None:
        lines = tuple(
            PackingLine(
                sku=line.sku,
                description=line.description,
                ordered=line.quantity,
                shipped=line.quantity_shipped,
                open=line.quantity_open,
            )
            for line in order.lines.all()
        )
        shipments = tuple(order.shipments.all())
    else:
        lines = tuple(
            PackingLine(
                sku=item.order_line.sku,
                description=item.order_line.description,
                ordered=item.order_line.quantity,
                shipped=item.quantity,
                open=item.order_line.quantity_open,
            )
            for item in shipment.lines.all()
        )
        shipments = (shipment,)
    warehouse = order.warehouse
    return PackingSlipData(
        order=order,
        seller=seller(),
        title=_("Packing slip"),
        watermark=_packing_watermark(order),
        number=order.number,
        order_date=order.order_date,
        ship_to=customer_party(order.customer),
        warehouse_name=f"{warehouse.name} ({warehouse.code})",
        warehouse_lines=text_lines(warehouse.address),
        lines=lines,
        shipment=shipment,
        shipments=shipments,
    )


def invoice_pdf(data: InvoiceData) -> bytes:
    """The invoice as an A4 PDF: the same content as orders/invoice.html."""
    pdf = DocumentPdf(title=data.title, number=data.number, watermark=data.watermark)
    pdf.add_page()
    pdf.letterhead(data.seller, full=True)
    facts = [
        (_("Invoice number"), data.number),
        (_("Invoice date"), format_date(data.invoice_date)),
    ]
    if data.due_date:
        facts.append((_("Due date"), format_date(data.due_date)))
    facts += [
        (
            _("Payment terms"),
            _("%(days)s days net") % {"days": data.payment_terms_days},
        ),
        (_("Currency"), data.currency),
    ]
    if data.watermark:
        facts.append((_("Status"), data.watermark))
    pdf.address_and_facts(heading=_("Bill to"), party=data.bill_to, facts=facts)
    priced_lines_table(pdf, data.lines)
    if data.order_discount_percent:
        pdf.note(
            _("Net amounts include the order discount of %(percent)s %%.")
            % {"percent": format_percent(data.order_discount_percent)}
        )
    rows = totals_rows(
        subtotal=data.subtotal,
        discount=data.discount,
        net=data.net,
        bands=data.tax_bands,
        shipping=data.shipping,
        total=data.total,
        currency=data.currency,
    )
    if data.is_billable:
        rows.append((_("Paid"), format_amount(data.paid), False))
        rows.append(
            (
                _("Balance due (%(currency)s)") % {"currency": data.currency},
                format_amount(data.balance_due),
                True,
            )
        )
    pdf.key_values(rows)
    pdf.paragraph(data.payment_text, heading=_("Payment"))
    if data.is_billable and data.balance_due > 0 and data.seller.bank_lines:
        pdf.paragraph("\n".join(data.seller.bank_lines), heading=_("Bank details"))
    return bytes(pdf.output())


def payment_instructions(data: InvoiceData) -> str:
    """One sentence on paying: what, by when, quoting what; shared by page and PDF."""
    if data.order.status == Order.Status.CANCELLED:
        return _("This order was cancelled; nothing is due.")
    if data.order.status == Order.Status.DRAFT:
        return _(
            "This is a pro-forma for an order not yet confirmed; it is not a request "
            "for payment. Payment terms: %(days)s days."
        ) % {"days": data.payment_terms_days}
    if data.balance_due <= 0:
        return _("Paid in full. Thank you.")
    text = _("Please pay %(amount)s %(currency)s, quoting %(number)s") % {
        "amount": format_amount(data.balance_due),
        "currency": data.currency,
        "number": data.number,
    }
    if data.due_date:
        text += _(", by %(date)s") % {"date": format_date(data.due_date)}
    return text + "."


def packing_slip_pdf(data: PackingSlipData) -> bytes:
    """The packing slip as an A4 PDF: the same content as orders/packing_slip.html."""
    pdf = DocumentPdf(title=data.title, number=data.number, watermark=data.watermark)
    pdf.add_page()
    pdf.letterhead(data.seller, full=False)
    facts = [
        (_("Order number"), data.number),
        (_("Order date"), format_date(data.order_date)),
        (_("Ship from"), "\n".join((data.warehouse_name, *data.warehouse_lines))),
    ]
    if data.shipment is not None:
        facts += [
            (_("Shipped on"), format_date(data.shipment.shipped_on)),
            (_("Carrier"), data.shipment.carrier or "—"),
            (_("Tracking number"), data.shipment.tracking_number or "—"),
        ]
    if data.watermark:
        facts.append((_("Status"), data.watermark))
    pdf.address_and_facts(heading=_("Ship to"), party=data.ship_to, facts=facts)
    if data.shipment is None:
        headings = [
            _("SKU"),
            _("Description"),
            _("Ordered"),
            _("Shipped"),
            _("To ship"),
        ]
        rows = [
            [
                line.sku,
                line.description,
                str(line.ordered),
                str(line.shipped),
                str(line.open),
            ]
            for line in data.lines
        ]
        widths = (28, 86, 22, 22, 22)
        align = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
    else:
        headings = [_("SKU"), _("Description"), _("Ordered"), _("In this shipment")]
        rows = [
            [line.sku, line.description, str(line.ordered), str(line.shipped)]
            for line in data.lines
        ]
        widths = (28, 94, 24, 34)
        align = ("LEFT", "LEFT", "RIGHT", "RIGHT")
    pdf.lines_table(headings=headings, rows=rows, widths=widths, align=align)
    if data.shipment is None and data.shipments:
        pdf.lines_table(
            headings=[
                _("Shipment"),
                _("Shipped on"),
                _("Carrier"),
                _("Tracking number"),
            ],
            rows=[
                [
                    f"#{shipment.pk}",
                    format_date(shipment.shipped_on),
                    shipment.carrier or "—",
                    shipment.tracking_number or "—",
                ]
                for shipment in data.shipments
            ],
            widths=(25, 35, 55, 65),
            align=("LEFT", "LEFT", "LEFT", "LEFT"),
        )
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(pdf.family_name, "", 9)
    pdf.cell(90, 5, _("Received in good order by: ______________________"))
    pdf.cell(0, 5, _("Date: ______________"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
