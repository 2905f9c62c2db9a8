"""Customer documents, shared by every app that prints one (orders' invoices and
packing slips, opportunities' quotes): the seller, the parties, the number formats,
the tax breakdown, the A4 PDF engine (fpdf2) with its letterhead, tables and totals,
and the printable page's base template (templates/sms/document_base.html).

An app assembles what its document says once, as a frozen dataclass, and prints it
twice: an HTML page extending sms/document_base.html (number formats from
``{% load sms_documents %}``) and a PDF drawn with ``DocumentPdf``. Nothing here
knows orders or quotes.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace

from sms.money import ZERO, money

UNIT_PRICE_PLACES = Decimal("0.0001")

# Formatting, shared by the templates (sms/templatetags/sms_documents.py) and the PDFs.


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


# What every document has ------------------------------------------------------


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


def text_lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in str(text).splitlines() if line.strip())


def seller() -> Seller:
    """The company issuing the documents, from the SMS_COMPANY_* settings."""
    return Seller(
        name=settings.SMS_COMPANY_NAME,
        address_lines=text_lines(settings.SMS_COMPANY_ADDRESS),
        tax_id=settings.SMS_COMPANY_TAX_ID,
        bank_lines=text_lines(settings.SMS_COMPANY_BANK),
        email=settings.SMS_COMPANY_EMAIL,
    )


def tax_bands(lines) -> tuple[TaxBand, ...]:
    """Net and tax per tax rate, lowest rate first, of lines with ``tax_rate``,
    ``net_amount`` and ``tax_amount``. The tax of a band is the sum of the lines'
    rounded tax, so the bands add up to the document's tax exactly."""
    bands: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        net, tax = bands.get(line.tax_rate, (ZERO, ZERO))
        bands[line.tax_rate] = (net + line.net_amount, tax + line.tax_amount)
    return tuple(
        TaxBand(rate=rate, net=net, tax=tax)
        for rate, (net, tax) in sorted(bands.items())
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


PRICED_LINE_WIDTHS = (24, 68, 13, 22, 15, 14, 24)
PRICED_LINE_ALIGN = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")


def priced_lines_table(pdf: DocumentPdf, lines) -> None:
    """The lines of an invoice or quote: SKU, description, quantity, unit price,
    discount, tax rate and net amount."""
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
            for line in lines
        ],
        widths=PRICED_LINE_WIDTHS,
        align=PRICED_LINE_ALIGN,
    )


def totals_rows(
    *,
    subtotal: Decimal,
    discount: Decimal,
    net: Decimal,
    bands: tuple[TaxBand, ...],
    shipping: Decimal = ZERO,
    total: Decimal,
    currency: str,
) -> list[tuple[str, str, bool]]:
    """The totals block of a priced document, for DocumentPdf.key_values."""
    rows = [(_("Subtotal"), format_amount(subtotal), False)]
    if discount:
        rows.append((_("Discount"), "-" + format_amount(discount), False))
    rows.append((_("Net"), format_amount(net), False))
    rows += [
        (
            _("Tax %(rate)s %% on %(net)s")
            % {"rate": format_percent(band.rate), "net": format_amount(band.net)},
            format_amount(band.tax),
            False,
        )
        for band in bands
    ]
    if shipping:
        rows.append((_("Shipping"), format_amount(shipping), False))
    rows.append(
        (
            _("Total (%(currency)s)") % {"currency": currency},
            format_amount(total),
            True,
        )
    )
    return rows
