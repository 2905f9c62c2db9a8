"""Checks shared by the report tests: fetch a tab, read its CSV and XLSX back, count
the bars drawn, count the queries a page runs."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.exports import table_records


def report_get(client, slug: str, **params):
    response = client.get(f"/analytics/reports/{slug}/", params)
    assert response.status_code == 200, response.status_code
    return response


def shown(response) -> dict:
    """The tab's rows and totals as the page got them."""
    result = response.context["result"]
    return {"rows": result.table.rows, "totals": result.table.totals}


def column(response, key: str) -> list:
    return [row[key] for row in response.context["result"].table.rows]


def bars(response, series: int = 0) -> int:
    return response.content.decode().count(f'id="bar-{series}-')


def csv_matches_table(client, slug: str, params: dict) -> list[list[str]]:
    response = client.get(f"/analytics/reports/{slug}/", {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    records = list(csv.reader(io.StringIO(response.content.decode())))
    table = client.get(f"/analytics/reports/{slug}/", params).context["result"].table
    expected = [
        ["" if value is None else _text(value) for value in record]
        for record in table_records(table)
    ]
    assert records == expected
    return records


def xlsx_matches_table(client, slug: str, params: dict) -> list[list]:
    from openpyxl import load_workbook

    response = client.get(f"/analytics/reports/{slug}/", {**params, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Report"]
    records = [list(row) for row in sheet.iter_rows(values_only=True)]
    table = client.get(f"/analytics/reports/{slug}/", params).context["result"].table
    expected = table_records(table)
    assert len(records) == len(expected)
    for got, want in zip(records, expected, strict=True):
        assert [_cell(value) for value in got] == [_cell(value) for value in want]
    return records


def _text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _cell(value):
    """A spreadsheet cell and a table value on the same footing: numbers as exact
    decimals, dates as dates, blanks as None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    return value


def queries_of(client, slug: str, params: dict) -> int:
    """Queries of one request computed from the database: the cached figures
    (analytics/cache.py) are set aside first by a new data version."""
    from analytics.cache import data_version_bump

    data_version_bump()
    with CaptureQueriesContext(connection) as captured:
        report_get(client, slug, **params)
    return len(captured.captured_queries)
