"""CSV and XLSX downloads of what a list page shows, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils import timezone
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
    *, filename: str, fmt: str, headers: list[str], rows: Iterable[Iterable]
) -> HttpResponse:
    """A download of ``rows`` under ``headers`` as ``filename.csv`` or ``.xlsx``."""
    if fmt not in CONTENT_TYPES:
        raise Http404("Unknown export format.")
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else cell_safe(v) for v in row])
        # A BOM so Excel opens UTF-8 (accents, currency signs) correctly.
        response.write("\ufeff" + text.getvalue())
        return response
    book = Workbook(write_only=True)
    sheet = book.create_sheet(filename[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    book.save(response)
    return response
