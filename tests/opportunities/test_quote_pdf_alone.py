"""Quotes print with sms's document rendering, as invoices do: a quote PDF is drawn
in a fresh interpreter that never loads orders' documents."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import io, sys
from datetime import date
from decimal import Decimal as D

import django
django.setup()

from pypdf import PdfReader

from opportunities.documents import QuoteData, quote_pdf
from opportunities.models import Quote, QuoteLine
from sms.documents import Party, TaxBand, seller

line = QuoteLine(
    sku="DESK-1", description="Oak desk", quantity=3, unit_price=D("10.0000"),
    discount_percent=D("0"), tax_rate=D("20"), net_amount=D("30.00"),
    tax_amount=D("6.00"),
)
data = QuoteData(
    quote=Quote(number="Q-00042"), seller=seller(), title="Quote", watermark="DRAFT",
    number="Q-00042", quote_date=date(2026, 1, 5), valid_until=date(2026, 1, 19),
    currency="EUR", to=Party(name="Łódź Traders", address_lines=("1 Main St",)),
    reference="New desks", lines=(line,), subtotal=D("30.00"), discount=D("0"),
    net=D("30.00"), tax_bands=(TaxBand(rate=D("20"), net=D("30.00"), tax=D("6.00")),),
    tax=D("6.00"), total=D("36.00"), notes="",
)
content = quote_pdf(data)
text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
loaded = sorted(m for m in sys.modules if m == "orders" or m.startswith("orders."))
print("LOADED", loaded)
print("TEXT", " ".join(text.split()))
"""


def test_a_quote_pdf_renders_without_orders_documents():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sms.settings"}
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = next(x for x in result.stdout.splitlines() if x.startswith("LOADED"))
    assert "orders.documents" not in loaded
    text = next(x for x in result.stdout.splitlines() if x.startswith("TEXT"))
    for expected in ("Q-00042", "Łódź Traders", "DESK-1", "Oak desk", "36.00"):
        assert expected in text, expected
