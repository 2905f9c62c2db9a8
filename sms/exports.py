"""CSV and XLSX downloads of what a list page shows, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404, HttpResponse
from django.utils import timezone
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from sms.money import CENT

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# What a number column holds, and how every download writes it: money (and other
# two-decimal figures) with exactly two decimals, half-up; percentages and days with
# one; quantities and counts as whole numbers. XLSX cells stay numbers, with these
# display formats.
PLACES = {
    "money": CENT,
    "decimal": CENT,
    "percent": Decimal("0.1"),
    "days": Decimal("0.1"),
}
NUMBER_FORMATS = {
    "money": "#,##0.00",
    "decimal": "#,##0.00",
    "int": "#,##0",
    "percent": "0.0",
    "days": "0.0",
    "date": "yyyy-mm-dd",
}


def figure(value, kind: str):
    """``value`` as a column of ``kind`` shows it: rounded half-up to the kind's
    places (a Decimal), or a whole number (an int) for ``int``. Blanks, text and
    other kinds are returned unchanged."""
    if kind not in PLACES and kind != "int":
        return value
    if value is None or isinstance(value, str | bool):
        return value
    # A float or a numpy number (pandas) is read as the number it prints as.
    exact = isinstance(value, Decimal | int)
    number = Decimal(value) if exact else Decimal(str(value))
    if kind == "int":
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return number.quantize(PLACES[kind], rounding=ROUND_HALF_UP)


def cell_safe(value):
    """Neutralise text a spreadsheet would run as a formula (CSV injection).

    A leading apostrophe makes Excel, LibreOffice and Google Sheets show the text
    as typed. Numbers are left alone: -5 is a number, not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _xlsx_value(value):
    if isinstance(value, datetime):
        # Spreadsheets have no time zones: write the local wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date | int | float | Decimal) or value is None:
        return value
    return cell_safe(str(value))


def table_export_response(
    *,
    filename: str,
    fmt: str,
    headers: list[str],
    rows: Iterable[Iterable],
    kinds: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A download of ``rows`` under ``headers`` as ``filename.csv`` or ``.xlsx``.
    ``kinds`` names the number columns by header ("money", "int", "percent", ...):
    they are written as ``figure`` rounds them, and formatted so in the XLSX."""
    if fmt not in CONTENT_TYPES:
        raise Http404("Unknown export format.")
    column_kinds = [(kinds or {}).get(header, "") for header in headers]
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else cell_safe(figure(v, kind))
                    for v, kind in zip(row, column_kinds, strict=True)
                ]
            )
        # A BOM so Excel opens UTF-8 (accents, currency signs) correctly.
        response.write("\ufeff" + text.getvalue())
        return response
    book = Workbook(write_only=True)
    sheet = book.create_sheet(filename[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append(
            [
                _xlsx_cell(sheet, v, kind)
                for v, kind in zip(row, column_kinds, strict=True)
            ]
        )
    book.save(response)
    return response


def _xlsx_cell(sheet, value, kind: str):
    value = _xlsx_value(figure(value, kind))
    if kind not in NUMBER_FORMATS or value is None or isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = NUMBER_FORMATS[kind]
    return cell


class ExportNumberFormatsMixin:
    """For a django-import-export admin: its XLSX export gets the number formats of
    the other downloads. Tablib writes Decimal amounts (prices, costs, rates, all
    kept to cents) as numbers with a decimal point and whole numbers as integers;
    their columns are formatted ``#,##0.00`` and ``#,##0``."""

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        if isinstance(file_format, XLSX):
            data = xlsx_number_formats(data)
        return data


def xlsx_number_formats(content: bytes) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    for column in sheet.iter_cols(min_row=2):
        numbers = [cell for cell in column if isinstance(cell.value, int | float)]
        if not numbers or isinstance(numbers[0].value, bool):
            continue
        whole = all(type(cell.value) is int for cell in numbers)
        for cell in numbers:
            cell.number_format = NUMBER_FORMATS["int" if whole else "money"]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
