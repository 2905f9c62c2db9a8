"""Invoices and packing slips: the pages, the PDFs, the marking of drafts and
cancelled orders, scoping and query counts."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from orders import documents
from orders.services import (
    LineInput,
    order_cancel,
    order_confirm,
    order_ship,
    payment_record,
)
from sms import documents as sms_documents
from sms.documents import TaxBand, format_amount, format_percent, format_unit_price
from tests.customers.factories import CustomerFactory
from tests.orders.factories import draft_order, priced_product
from tests.sms.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _text(response) -> str:
    """The page's visible text: tags stripped, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in reader.pages
    )


@pytest.fixture
def company(settings):
    settings.SMS_CURRENCY = "EUR"
    settings.SMS_COMPANY_NAME = "Acme Supplies Ltd"
    settings.SMS_COMPANY_ADDRESS = "7 Mill Lane\nLeeds LS1 4AB"
    settings.SMS_COMPANY_TAX_ID = "GB 123 4567 89"
    settings.SMS_COMPANY_BANK = "Northern Bank\nIBAN GB11 NRTH 1234 5678 9012 34"
    settings.SMS_COMPANY_EMAIL = "billing@acme.test"


@pytest.fixture
def invoiced(rep, company):
    """A confirmed order worked out by hand (orders/pricing.py's rules):

    line          gross   line disc  order disc 5 %  net     tax
    A 3 x 100.00  300.00  10 % 30.00  13.50          256.50  20 % 51.30
    B 1000 x 0.335 335.00  -          16.75          318.25   5 % 15.91 (15.9125)
    C 2 x 49.99    99.98  -           5.00 (4.999)    94.98  20 % 19.00 (18.996)

    subtotal 734.98, discount 65.25, net 669.73; tax 5 %: 15.91 on 318.25,
    20 %: 70.30 on 351.48 (86.21 in all); shipping 12.50; total 768.44;
    paid 300.00; balance due 468.44.
    """
    customer = CustomerFactory(
        owner=rep,
        name="Łódź Müller GmbH",
        street="Hauptstraße 5",
        postal_code="10115",
        city="Berlin",
        region="",
        country="Germany",
    )
    a = priced_product("100.00", "20.00", sku="A-100", name="Angle bracket")
    b = priced_product("0.34", "5.00", sku="B-SCREW", name="Wood screw")
    c = priced_product("49.99", "20.00", sku="C-50", name="Corner clamp")
    order = draft_order(
        customer=customer,
        lines=[
            LineInput(a, 3, discount_percent=D("10")),
            LineInput(b, 1000, unit_price=D("0.335")),
            LineInput(c, 2),
        ],
        stock=2000,
        discount_percent=D("5"),
        shipping_charge=D("12.50"),
    )
    order_confirm(order=order, user=rep)
    payment_record(order=order, user=rep, amount=D("300.00"))
    order.refresh_from_db()
    return order


def test_invoice_shows_lines_totals_and_tax_per_rate(rep_client, invoiced):
    response = rep_client.get(reverse("orders:order-invoice", args=[invoiced.pk]))

    assert response.status_code == 200
    doc = response.context["doc"]
    assert doc.tax_bands == (
        TaxBand(rate=D("5.00"), net=D("318.25"), tax=D("15.91")),
        TaxBand(rate=D("20.00"), net=D("351.48"), tax=D("70.30")),
    )
    assert (doc.subtotal, doc.discount, doc.net, doc.tax) == (
        D("734.98"),
        D("65.25"),
        D("669.73"),
        D("86.21"),
    )
    assert (doc.total, doc.paid, doc.balance_due) == (
        D("768.44"),
        D("300.00"),
        D("468.44"),
    )
    text = _text(response)
    assert f"Invoice number {invoiced.number}" in text
    assert "Acme Supplies Ltd 7 Mill Lane Leeds LS1 4AB VAT no. GB 123 4567 89" in text
    assert "billing@acme.test" in text
    assert "Bill to Łódź Müller GmbH Hauptstraße 5 10115 Berlin Germany" in text
    # SKU, description, qty, unit price, discount %, tax %, net
    assert "A-100 Angle bracket 3 100.00 10 20 256.50" in text
    assert "B-SCREW Wood screw 1000 0.335 0 5 318.25" in text
    assert "C-50 Corner clamp 2 49.99 0 20 94.98" in text
    assert "Net amounts include the order discount of 5 %." in text
    assert (
        "Subtotal 734.98 Discount -65.25 Net 669.73 "
        "Tax 5 % on 318.25 15.91 Tax 20 % on 351.48 70.30 Shipping 12.50 "
        "Total (EUR) 768.44 Paid 300.00 Balance due (EUR) 468.44"
    ) in text
    assert f"Please pay 468.44 EUR, quoting {invoiced.number}, by" in text
    assert "IBAN GB11 NRTH 1234 5678 9012 34" in text
    assert "Payment terms 30 days net" in text
    assert "DRAFT" not in text
    assert "CANCELLED" not in text


def test_invoice_dates_are_confirmation_and_due_date(rep_client, invoiced):
    response = rep_client.get(reverse("orders:order-invoice", args=[invoiced.pk]))

    doc = response.context["doc"]
    assert doc.invoice_date == invoiced.confirmed_at.date()
    assert doc.due_date == invoiced.due_date
    assert f"Due date {invoiced.due_date:%-d %b %Y}" in _text(response)


def test_draft_invoice_is_a_pro_forma_marked_draft(rep_client, rep, company):
    order = draft_order(customer=CustomerFactory(owner=rep))

    response = rep_client.get(reverse("orders:order-invoice", args=[order.pk]))

    text = _text(response)
    assert "Pro-forma invoice" in text
    assert "DRAFT — not an invoice" in text
    assert "not a request for payment" in text
    assert "Balance due" not in text
    assert "Bank details" not in text


def test_cancelled_invoice_is_marked_cancelled(rep_client, rep, company):
    order = draft_order(customer=CustomerFactory(owner=rep), stock=5)
    order_confirm(order=order, user=rep)
    order_cancel(order=order, user=rep)

    response = rep_client.get(reverse("orders:order-invoice", args=[order.pk]))

    text = _text(response)
    assert "CANCELLED" in text
    assert "nothing is due" in text
    assert "Balance due" not in text
    assert "Due date" not in text


def test_invoice_paid_in_full_says_so(rep_client, rep, company):
    order = draft_order(customer=CustomerFactory(owner=rep), stock=5)
    order_confirm(order=order, user=rep)
    payment_record(order=order, user=rep, amount=order.total)

    text = _text(rep_client.get(reverse("orders:order-invoice", args=[order.pk])))

    assert "Balance due (EUR) 0.00" in text
    assert "Paid in full." in text
    assert "Bank details" not in text


@pytest.fixture
def part_shipped(rep, company):
    """Two lines, 5 and 3 units; 2 of the first shipped by UPS."""
    a = priced_product("123.45", sku="PS-A", name="Shelf")
    b = priced_product("67.89", sku="PS-B", name="Drawer")
    order = draft_order(
        customer=CustomerFactory(owner=rep, name="Harbour Stores"),
        lines=[(a, 5), (b, 3)],
        stock=10,
    )
    order_confirm(order=order, user=rep)
    line_a = order.lines.get(sku="PS-A")
    shipment = order_ship(
        order=order,
        user=rep,
        quantities={line_a.pk: 2},
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
    )
    order.refresh_from_db()
    return order, shipment


def test_packing_slip_shows_open_quantities_and_no_prices(rep_client, part_shipped):
    order, _shipment = part_shipped

    response = rep_client.get(reverse("orders:order-packing-slip", args=[order.pk]))

    assert response.status_code == 200
    text = _text(response)
    assert "Ship to Harbour Stores" in text
    assert f"Order number {order.number}" in text
    assert "Ship from Warehouse MAIN (MAIN)" in text
    assert "SKU Description Ordered Shipped To ship" in text
    assert "PS-A Shelf 5 2 3" in text
    assert "PS-B Drawer 3 0 3" in text
    assert "UPS 1Z999AA10123456784" in text
    for price in ("123.45", "67.89", "Total", "Net", "Unit price", "EUR"):
        assert price not in text


def test_shipment_packing_slip_lists_only_that_shipment(rep_client, part_shipped):
    order, shipment = part_shipped

    response = rep_client.get(
        reverse("orders:shipment-packing-slip", args=[order.pk, shipment.pk])
    )

    text = _text(response)
    assert "Carrier UPS Tracking number 1Z999AA10123456784" in text
    assert "SKU Description Ordered In this shipment PS-A Shelf 5 2" in text
    assert "PS-B" not in text
    assert "123.45" not in text


def test_shipment_of_another_order_is_404(rep_client, rep, part_shipped):
    _order, shipment = part_shipped
    other = draft_order(customer=CustomerFactory(owner=rep))

    response = rep_client.get(
        reverse("orders:shipment-packing-slip", args=[other.pk, shipment.pk])
    )

    assert response.status_code == 404


def test_draft_packing_slip_is_marked(rep_client, rep, company):
    order = draft_order(customer=CustomerFactory(owner=rep))

    text = _text(rep_client.get(reverse("orders:order-packing-slip", args=[order.pk])))

    assert "DRAFT — not for dispatch" in text


def test_invoice_pdf_is_a_pdf_with_number_and_total(rep_client, invoiced):
    response = rep_client.get(reverse("orders:order-invoice-pdf", args=[invoiced.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{invoiced.number}-invoice.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert invoiced.number in text
    assert "768.44" in text
    assert "468.44" in text
    assert "Tax 20 % on 351.48" in text
    assert "Łódź Müller GmbH" in text  # a Unicode font, not latin-1 core fonts
    assert "Acme Supplies Ltd" in text


def test_draft_invoice_pdf_carries_the_watermark(rep_client, rep, company):
    order = draft_order(customer=CustomerFactory(owner=rep))

    response = rep_client.get(reverse("orders:order-invoice-pdf", args=[order.pk]))

    text = _pdf_text(response.content)
    assert "DRAFT — not an invoice" in text
    assert "PRO-FORMA INVOICE" in text


def test_packing_slip_pdfs_have_quantities_and_no_prices(rep_client, part_shipped):
    order, shipment = part_shipped

    whole = rep_client.get(reverse("orders:order-packing-slip-pdf", args=[order.pk]))
    one = rep_client.get(
        reverse("orders:shipment-packing-slip-pdf", args=[order.pk, shipment.pk])
    )

    assert whole.content.startswith(b"%PDF")
    assert whole["Content-Disposition"] == (
        f'attachment; filename="{order.number}-packing-slip.pdf"'
    )
    text = _pdf_text(whole.content)
    assert order.number in text
    assert "PS-A Shelf 5 2 3" in text
    assert "123.45" not in text
    assert one["Content-Disposition"] == (
        f'attachment; filename="{order.number}-shipment-{shipment.pk}-packing-slip.pdf"'
    )
    text = _pdf_text(one.content)
    assert "1Z999AA10123456784" in text
    assert "PS-B" not in text


def test_pdf_without_the_unicode_font_falls_back_to_plain_letters(
    monkeypatch, invoiced
):
    monkeypatch.setattr(sms_documents, "_font_files", lambda: None)

    content = documents.invoice_pdf(documents.invoice_data(invoiced))

    assert content.startswith(b"%PDF")
    text = _pdf_text(content)
    assert "?ódz Müller GmbH" in text  # Ł has no plain form in Windows-1252
    assert "768.44" in text


def test_long_invoice_pdf_runs_over_pages(rep, company):
    products = [priced_product("10.00", sku=f"L-{n:03d}") for n in range(60)]
    order = draft_order(
        customer=CustomerFactory(owner=rep), lines=[(p, 1) for p in products]
    )

    reader = PdfReader(io.BytesIO(documents.invoice_pdf(documents.invoice_data(order))))

    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(pages) >= 2
    assert f"page {len(pages)} of {len(pages)}" in pages[-1]
    # The line headings repeat on every page the lines run over.
    assert "SKU Description Qty Unit price" in pages[0]
    assert "SKU Description Qty Unit price" in pages[1]
    # The totals are kept together on one page: subtotal to total (600.00 + 20 %).
    (totals,) = [page for page in pages if "Subtotal" in page]
    assert "Total (EUR) 720.00" in totals


DOCUMENT_URLS = [
    "orders:order-invoice",
    "orders:order-invoice-pdf",
    "orders:order-packing-slip",
    "orders:order-packing-slip-pdf",
]


@pytest.mark.parametrize("name", DOCUMENT_URLS)
def test_rep_gets_404_for_another_reps_order(rep_client, name, company):
    order = draft_order()  # a customer of another rep

    response = rep_client.get(reverse(name, args=[order.pk]))

    assert response.status_code == 404


def test_rep_gets_404_for_another_reps_shipment_slip(rep_client, company):
    order = draft_order(stock=5)
    order_confirm(order=order, user=None)
    shipment = order_ship(order=order, user=None, quantities={order.lines.get().pk: 1})

    for name in ("orders:shipment-packing-slip", "orders:shipment-packing-slip-pdf"):
        response = rep_client.get(reverse(name, args=[order.pk, shipment.pk]))
        assert response.status_code == 404


@pytest.mark.parametrize("name", DOCUMENT_URLS)
def test_manager_sees_every_order(manager_client, name, company):
    order = draft_order()

    response = manager_client.get(reverse(name, args=[order.pk]))

    assert response.status_code == 200


def test_user_without_order_permission_is_refused(client, company):
    order = draft_order()
    client.force_login(UserFactory())

    response = client.get(reverse("orders:order-invoice", args=[order.pk]))

    assert response.status_code == 403


def test_documents_are_read_only(rep_client, rep, company):
    order = draft_order(customer=CustomerFactory(owner=rep))

    response = rep_client.post(reverse("orders:order-invoice", args=[order.pk]))

    assert response.status_code == 405


def test_invoice_page_query_count_does_not_grow_with_lines(
    rep_client, rep, company, django_assert_num_queries
):
    small = draft_order(customer=CustomerFactory(owner=rep))
    products = [priced_product("5.00", sku=f"Q-{n}") for n in range(12)]
    large = draft_order(
        customer=CustomerFactory(owner=rep), lines=[(p, 1) for p in products]
    )
    # Session, user, permissions (2), the rep's groups (scoping), tasks due
    # (navbar context processor), the order with customer and warehouse, its lines.
    with django_assert_num_queries(8):
        rep_client.get(reverse("orders:order-invoice", args=[small.pk]))
    with django_assert_num_queries(8):
        response = rep_client.get(reverse("orders:order-invoice", args=[large.pk]))
    assert len(response.context["doc"].lines) == 12


def test_packing_slip_page_query_count(
    rep_client, part_shipped, django_assert_num_queries
):
    order, _shipment = part_shipped

    # The invoice's queries plus the order's shipments.
    with django_assert_num_queries(9):
        rep_client.get(reverse("orders:order-packing-slip", args=[order.pk]))


def test_unit_prices_keep_their_fraction_of_a_cent():
    assert format_unit_price(D("0.3350")) == "0.335"
    assert format_unit_price(D("1234.5000")) == "1,234.50"
    assert format_unit_price(D("0.1234")) == "0.1234"
    assert format_percent(D("20.00")) == "20"
    assert format_percent(D("7.50")) == "7.5"
    assert format_amount(D("1234567.5")) == "1,234,567.50"
