"""What every report test checks the same way: the page's table as data, the CSV
and XLSX downloads parsed back, and the bars drawn in the chart."""

import csv
import io
import re
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from analytics.exports import table_records


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware local time on ``day``."""
    zone = timezone.get_current_timezone()
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def custom(start: date, end: date, **params) -> dict:
    """GET parameters for a custom period plus any filters."""
    return {
        "period": "custom",
        "start": start.isoformat(),
        "end": end.isoformat(),
        **params,
    }


def shown_table(response):
    return response.context["result"].table


def rows_by(table, key: str) -> dict:
    return {row[key]: row for row in table.rows}


def bars(body: str, series: int = 0) -> int:
    return len(re.findall(rf'id="bar-{series}-\d+"', body))


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_matches_table(response, table) -> bool:
    """The CSV holds exactly the table: header, rows and totals, as text."""
    assert response["Content-Type"].startswith("text/csv")
    parsed = list(csv.reader(io.StringIO(response.content.decode())))
    expected = [[_plain(value) for value in record] for record in table_records(table)]
    assert parsed == expected
    return True


def xlsx_matches_table(response, table) -> bool:
    """The XLSX's first sheet holds exactly the table, numbers as numbers."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    parsed = [list(row) for row in sheet.iter_rows(values_only=True)]
    expected = [[_cell(value) for value in record] for record in table_records(table)]
    assert [[_cell(value) for value in row] for row in parsed] == expected
    return True


def _cell(value):
    if isinstance(value, Decimal | float):
        return Decimal(str(value)).normalize()
    if isinstance(value, datetime):
        return value.date()
    if value == "":
        return None
    return value


def deal(*, history, owner=None, customer=None, probability=None, **fields):
    """An opportunity moved through ``history`` [(stage, when), ...] by the
    services, then dated: each stage change at its time, the opportunity created at
    the first and (when it ends won or lost) closed at the last. ``lost_reason`` or
    ``lost_note`` go with a move to lost."""
    from opportunities.models import CLOSED_STAGES, Opportunity, Stage, StageChange
    from opportunities.services import opportunity_move, opportunity_update
    from tests.opportunities.factories import opportunity

    lost_reason = fields.pop("lost_reason", None)
    lost_note = fields.pop("lost_note", "")
    (first, created), *moves = history
    made = opportunity(customer=customer, owner=owner, stage=first, **fields)
    for stage, _when in moves:
        lost = stage == Stage.LOST
        made = opportunity_move(
            opportunity=made,
            to_stage=stage,
            user=made.owner,
            lost_reason=lost_reason if lost else None,
            lost_note=lost_note if lost else "",
        )
    changes = StageChange.objects.filter(opportunity=made).order_by("pk")
    for change, (_stage, when) in zip(changes, history, strict=True):
        StageChange.objects.filter(pk=change.pk).update(created_at=when)
    last_stage, last_at = history[-1]
    Opportunity.objects.filter(pk=made.pk).update(
        created_at=created,
        closed_at=last_at if last_stage in CLOSED_STAGES else None,
    )
    if probability is not None:
        opportunity_update(opportunity=made, user=made.owner, probability=probability)
    made.refresh_from_db()
    return made
