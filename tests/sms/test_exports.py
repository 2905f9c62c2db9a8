import csv
import io
from decimal import Decimal

import pytest
from django.http import Http404
from openpyxl import load_workbook

from sms.exports import cell_safe, figure, table_export_response

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


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (Decimal("305"), "money", "305.00"),  # a whole sum, as SQLite returns it
        (Decimal("15868.9200000000"), "money", "15868.92"),
        (Decimal("0.005"), "money", "0.01"),  # half-up
        (2.675, "money", "2.68"),  # a float, read as it prints
        (Decimal("6.0000"), "int", "6"),
        (Decimal("12.25"), "percent", "12.3"),
        (Decimal("3.333"), "days", "3.3"),
        ("never", "money", "never"),
        (None, "int", "None"),
        (Decimal("1.239"), "text", "1.239"),  # not a number column: as it is
    ],
)
def test_figure_rounds_a_number_as_its_column_shows_it(value, kind, expected):
    assert str(figure(value, kind)) == expected


def test_figure_reads_numpy_numbers():
    import numpy as np

    assert figure(np.float64(1.005), "money") == Decimal("1.01")
    assert figure(np.int64(7), "int") == 7 and type(figure(np.int64(7), "int")) is int


def test_csv_and_xlsx_write_number_columns_by_kind():
    rows = [[Decimal("305"), Decimal("6.0000"), "x"]]
    kinds = {"amount": "money", "units": "int"}
    headers = ["amount", "units", "note"]
    text = table_export_response(
        filename="t", fmt="csv", headers=headers, rows=rows, kinds=kinds
    ).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["305.00", "6", "x"]
    response = table_export_response(
        filename="t", fmt="xlsx", headers=headers, rows=rows, kinds=kinds
    )
    amount, units, note = next(
        load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2)
    )
    assert (amount.value, amount.number_format) == (305, "#,##0.00")
    assert (units.value, type(units.value), units.number_format) == (6, int, "#,##0")
    assert note.value == "x"
