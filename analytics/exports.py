"""A report table as CSV or XLSX: exactly the columns, rows and totals the page
shows, as numbers a spreadsheet can sum (plain 1234.50, no thousands separators or
currency signs): money with two decimals, counts and units as whole numbers
(sms.exports.figure). The XLSX keeps the filters on a second sheet, "About"."""

import csv
import io
from datetime import date

from django.http import HttpResponse

from analytics.reports.base import Table
from sms.exports import NUMBER_FORMATS, figure

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_records(table: Table) -> list[list]:
    """Header, rows and the totals row, as the file holds them."""
    records = [[column.label for column in table.columns]]
    for row in [*table.rows, *([table.totals] if table.totals else [])]:
        records.append(
            [figure(row.get(column.key), column.kind) for column in table.columns]
        )
    return records


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    for record in table_records(table):
        writer.writerow([_text(value) for value in record])
    return response


def xlsx_response(
    table: Table, filename: str, about: list[tuple[str, str]]
) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "Report"
    records = table_records(table)
    for record in records:
        sheet.append(record)  # Decimals are written as exact numbers
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if table.totals:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, column in enumerate(table.columns, start=1):
        number_format = NUMBER_FORMATS.get(column.kind)
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.label) + 4))
        if number_format:
            for (cell,) in sheet.iter_rows(
                min_row=2, min_col=index, max_col=index, max_row=sheet.max_row
            ):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    info = workbook.create_sheet("About")
    for name, value in about:
        info.append([name, value])
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
