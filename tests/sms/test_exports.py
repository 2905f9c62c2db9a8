import csv
import io
from decimal import Decimal

import pytest
from django.http import Http404
from openpyxl import load_workbook

from sms.exports import cell_safe, table_export_response

ROWS = [
    ['=HYPERLINK("http://evil")', Decimal("12.50"), -5],
    ["+1 555 0100", "@SUM(A1)", "plain"],
]


def test_cell_safe_escapes_formula_starts_but_not_numbers():
    assert cell_safe("=1+1") == "'=1+1"
    assert cell_safe("-2") == "'-2"
    assert cell_safe("\tcmd") == "'\tcmd"
    assert cell_safe("Acme") == "Acme"
    assert cell_safe(-2) == -2


def test_csv_export_escapes_formulas():
    response = table_export_response(
        filename="customers", fmt="csv", headers=["a", "b", "c"], rows=ROWS
    )
    assert response["Content-Disposition"] == 'attachment; filename="customers.csv"'
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "12.50", "-5"]
    assert rows[2] == ["'+1 555 0100", "'@SUM(A1)", "plain"]


def test_xlsx_export_escapes_formulas_and_keeps_numbers():
    response = table_export_response(
        filename="customers", fmt="xlsx", headers=["a", "b", "c"], rows=ROWS
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("a", "b", "c")
    assert values[1][0] == '\'=HYPERLINK("http://evil")'
    assert values[1][1:] == (12.5, -5)  # numbers stay numbers
    assert values[2][:2] == ("'+1 555 0100", "'@SUM(A1)")


def test_unknown_format_is_a_404():
    with pytest.raises(Http404):
        table_export_response(filename="x", fmt="pdf", headers=[], rows=[])
