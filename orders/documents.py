"""Customer documents for an order: the invoice and the packing slips.

What a document says is assembled once, by invoice_data and packing_slip_data; the
HTML pages (orders/templates/orders/invoice.html, packing_slip.html) and the PDFs
(invoice_pdf, packing_slip_pdf, drawn with fpdf2) both print that, so the page and
the download never disagree. Reads only: the order comes with its customer,
warehouse and lines loaded by orders.selectors.order_documents.

Amounts are the ones stored on the order and its lines (orders.pricing computed
them); nothing is recomputed here except the per-rate tax breakdown, which adds up
the lines' rounded tax, so the bands sum to the order's tax exactly.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace

from orders.models import Order, OrderLine, Shipment
from sms.money import ZERO, money

UNIT_PRICE_PLACES = Decimal("0.0001")

# Formatting, shared by the templates (orders/templatetags/order_documents.py) and
# the PDFs.


def format_amount(value: Decimal) -> str:
    """1234.5 -> "1,234.50": two decimals, thousands separators, no currency."""
    return intcomma(f"{money(Decimal(value)):.2f}")


def format_unit_price(value: Decimal) -> str:
    """Unit prices keep up to four decimals (0.335 a screw), at least two."""
    whole, _sep, fraction = (
        f"{Decimal(value).quantize(UNIT_PRICE_PLACES):.4f}".partition(".")
    )
    return intcomma(f"{whole}.{fraction.rstrip('0').ljust(2, '0')}")


def format_percent(value: Decimal) -> str:
    """20.00 -> "20", 7.50 -> "7.5"."""
    return f"{Decimal(value).normalize():f}"


def format_date(value: date | None) -> str:
    return date_format(value, "j M Y") if value else ""


# What the documents say -------------------------------------------------------------


@dataclass(frozen=True)
class Seller:
    name: str
    address_lines: tuple[str, ...]
    tax_id: str
    bank_lines: tuple[str, ...]
    email: str


@dataclass(frozen=True)
class Party:
    """A customer as a document addresses them."""

    name: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True)
class TaxBand:
    """The lines taxed at one rate: their net amount and the tax on it."""

    rate: Decimal
    net: Decimal
    tax: Decimal


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


def _text_lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in str(text).splitlines() if line.strip())


def seller() -> Seller:
    """The company issuing the documents, from the SMS_COMPANY_* settings."""
    return Seller(
        name=settings.SMS_COMPANY_NAME,
        address_lines=_text_lines(settings.SMS_COMPANY_ADDRESS),
        tax_id=settings.SMS_COMPANY_TAX_ID,
        bank_lines=_text_lines(settings.SMS_COMPANY_BANK),
        email=settings.SMS_COMPANY_EMAIL,
    )


def customer_party(customer) -> Party:
    city = " ".join(part for part in (customer.postal_code, customer.city) if part)
    lines = (customer.street, city, customer.region, customer.country)
    return Party(
        name=customer.name, address_lines=tuple(line for line in lines if line)
    )


def tax_bands(lines) -> tuple[TaxBand, ...]:
    """Net and tax per tax rate, lowest rate first. The tax of a band is the sum of
    its lines' tax, each rounded as orders.pricing rounds it."""
    bands: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        net, tax = bands.get(line.tax_rate, (ZERO, ZERO))
        bands[line.tax_rate] = (net + line.net_amount, tax + line.tax_amount)
    return tuple(
        TaxBand(rate=rate, net=net, tax=tax)
        for rate, (net, tax) in sorted(bands.items())
    )


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
        warehouse_lines=_text_lines(warehouse.address),
        lines=lines,
        shipment=shipment,
        shipments=shipments,
    )


# PDF --------------------------------------------------------------------------------


def _font_files() -> tuple[Path, Path] | None:
    """Source Sans Pro from the font-source-sans-pro wheel (requirements.txt): a
    Unicode TrueType font, so names like "Łódź" or "Müller" print as written."""
    try:
        import font_source_sans_pro
    except ImportError:
        return None
    folder = Path(font_source_sans_pro.font_directory)
    regular = folder / "SourceSansPro-Regular.ttf"
    bold = folder / "SourceSansPro-Bold.ttf"
    return (regular, bold) if regular.is_file() and bold.is_file() else None


def _to_cp1252(text: str) -> str:
    """Text the PDF core fonts can print: they only know Windows-1252. Accented
    letters outside it lose their accent (ł -> l is not possible, so "?")."""
    out = []
    for char in text:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            base = "".join(
                c
                for c in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(c)
            )
            try:
                base.encode("cp1252")
            except UnicodeEncodeError:
                base = ""
            char = base or "?"
        out.append(char)
    return "".join(out)


GREY = (90, 90, 90)
LIGHT = (235, 235, 235)
MARGIN = 15  # mm


class DocumentPdf(FPDF):
    """An A4 document with the seller's letterhead, a footer with the page number
    and, when given, a watermark across every page."""

    def __init__(self, *, title: str, number: str, watermark: str = ""):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc_title = title
        self.doc_number = number
        self.watermark = watermark
        fonts = _font_files()
        if fonts:
            self.add_font("SourceSans", "", fonts[0])
            self.add_font("SourceSans", "B", fonts[1])
            self.family_name = "SourceSans"
        else:
            # The font package is missing (a broken install): fall back to the
            # core fonts, which only know Windows-1252 (see normalize_text).
            self.family_name = "helvetica"
            self.core_fonts_encoding = "cp1252"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(f"{title} {number}")
        self.set_creator("SMS")
        self.set_font(self.family_name, "", 9.5)

    def normalize_text(self, text: str) -> str:
        if not self.is_ttf_font:
            text = _to_cp1252(text)
        return super().normalize_text(text)

    def header(self) -> None:
        if not self.watermark:
            return
        mark = self.watermark.upper()
        with self.local_context():
            self.set_text_color(215, 215, 215)
            size = 54
            self.set_font(self.family_name, "B", size)
            # Shrink long marks to fit the page's diagonal.
            while self.get_string_width(mark) > 200 and size > 20:
                size -= 2
                self.set_font_size(size)
            width = self.get_string_width(mark)
            x, y = self.w / 2, self.h / 2
            with self.rotation(angle=40, x=x, y=y):
                self.text(x - width / 2, y + size * 0.35 / 2, mark)

    def footer(self) -> None:
        self.set_y(-12)
        with self.local_context():
            self.set_font(self.family_name, "", 8)
            self.set_text_color(*GREY)
            self.cell(
                0,
                5,
                _("%(title)s %(number)s · page %(page)s of %(pages)s")
                % {
                    "title": self.doc_title,
                    "number": self.doc_number,
                    "page": self.page_no(),
                    "pages": self.str_alias_nb_pages,
                },
                align="C",
            )

    # Building blocks

    def letterhead(self, seller: Seller, *, full: bool) -> None:
        """The seller's name and address; ``full`` adds the VAT number and e-mail
        (the invoice's letterhead)."""
        top = self.get_y()
        self.set_font(self.family_name, "B", 15)
        self.cell(110, 7, seller.name, new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family_name, "", 9)
        details = list(seller.address_lines)
        if full and seller.tax_id:
            details.append(_("VAT no. %(id)s") % {"id": seller.tax_id})
        if full and seller.email:
            details.append(seller.email)
        for line in details:
            self.cell(110, 4.4, line, new_x="LMARGIN", new_y="NEXT")
        bottom = self.get_y()
        self.set_xy(self.l_margin + 110, top)
        self.set_font(self.family_name, "B", 18)
        self.cell(self.epw - 110, 8, self.doc_title.upper(), align="R")
        self.set_xy(self.l_margin, max(bottom, top + 10) + 6)

    def address_and_facts(
        self, *, heading: str, party: Party, facts: list[tuple[str, str]]
    ) -> None:
        """The addressee on the left; label/value pairs (number, dates) on the right."""
        top = self.get_y()
        self.set_font(self.family_name, "B", 8)
        self.set_text_color(*GREY)
        self.cell(95, 4.5, heading.upper(), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.set_font(self.family_name, "B", 10.5)
        self.multi_cell(95, 5, party.name, new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family_name, "", 9.5)
        for line in party.address_lines:
            self.multi_cell(95, 4.6, line, new_x="LMARGIN", new_y="NEXT")
        left_bottom = self.get_y()
        self.set_y(top)
        x = self.l_margin + 100
        for label, value in facts:
            self.set_x(x)
            self.set_font(self.family_name, "", 9)
            self.set_text_color(*GREY)
            self.cell(38, 5, label)
            self.set_text_color(0)
            self.set_font(self.family_name, "B", 9.5)
            self.multi_cell(
                self.epw - 100 - 38, 5, value, new_x="LMARGIN", new_y="NEXT"
            )
        self.set_font(self.family_name, "", 9.5)
        self.set_y(max(left_bottom, self.get_y()) + 6)

    def lines_table(
        self, *, headings: list[str], rows: list[list[str]], widths, align
    ) -> None:
        self.set_font(self.family_name, "", 9)
        self.set_draw_color(140)
        with self.table(
            col_widths=widths,
            width=self.epw,
            text_align=align,
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(emphasis="BOLD", fill_color=LIGHT),
            line_height=5,
            padding=(1, 1.2),
            repeat_headings=1,
        ) as table:
            table.row(headings)
            for row in rows:
                table.row(row)
        self.set_draw_color(0)
        self.ln(3)

    def key_values(
        self, rows: list[tuple[str, str, bool]], *, width: float = 85
    ) -> None:
        """A right-aligned block of label/amount rows (bold where asked), kept on
        one page."""
        height = 5.2 * len(rows) + 2
        if self.will_page_break(height):
            self.add_page()
        left = self.l_margin + self.epw - width
        for label, value, strong in rows:
            if strong:
                self.line(left, self.get_y(), left + width, self.get_y())
            self.set_x(left)
            self.set_font(
                self.family_name, "B" if strong else "", 10 if strong else 9.5
            )
            self.cell(width - 32, 5.2, label, align="R")
            self.cell(32, 5.2, value, align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def paragraph(self, text: str, *, heading: str = "", size: float = 9) -> None:
        if heading:
            self.set_font(self.family_name, "B", 9)
            self.cell(0, 5, heading, new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family_name, "", size)
        self.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def note(self, text: str) -> None:
        with self.local_context():
            self.set_text_color(*GREY)
            self.paragraph(text, size=8.5)


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
    pdf.lines_table(
        headings=[
            _("SKU"),
            _("Description"),
            _("Qty"),
            _("Unit price"),
            _("Disc. %"),
            _("Tax %"),
            _("Net"),
        ],
        rows=[
            [
                line.sku,
                line.description,
                str(line.quantity),
                format_unit_price(line.unit_price),
                format_percent(line.discount_percent),
                format_percent(line.tax_rate),
                format_amount(line.net_amount),
            ]
            for line in data.lines
        ],
        widths=(24, 68, 13, 22, 15, 14, 24),
        align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    if data.order_discount_percent:
        pdf.note(
            _("Net amounts include the order discount of %(percent)s %%.")
            % {"percent": format_percent(data.order_discount_percent)}
        )
    rows = [(_("Subtotal"), format_amount(data.subtotal), False)]
    if data.discount:
        rows.append((_("Discount"), "-" + format_amount(data.discount), False))
    rows.append((_("Net"), format_amount(data.net), False))
    rows += [
        (
            _("Tax %(rate)s %% on %(net)s")
            % {"rate": format_percent(band.rate), "net": format_amount(band.net)},
            format_amount(band.tax),
            False,
        )
        for band in data.tax_bands
    ]
    if data.shipping:
        rows.append((_("Shipping"), format_amount(data.shipping), False))
    rows.append(
        (
            _("Total (%(currency)s)") % {"currency": data.currency},
            format_amount(data.total),
            True,
        )
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
