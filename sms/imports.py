"""Validate-everything-first CSV imports, shared by every import_* command and page.

Every row is validated before anything is written. Each bad row is reported with its
line number in the file (the header is line 1), the column and the reason. If any row
is bad nothing is written, unless the caller asks to import only the good rows; the
bad rows can be downloaded as a CSV with a reason column, fixed and re-imported.
"""

import csv
import io
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sms.exports import FORMULA_PREFIXES, cell_safe

# No import takes a date before this: a year 0001 typed for 2001 would otherwise
# land, and every monthly report and forecast would span two thousand years.
EARLIEST_DATE = date(1970, 1, 1)


class ImportFileError(Exception):
    """The file as a whole cannot be read: encoding, no header, missing columns."""


class RowError(Exception):
    """Raised by a row validator: ``column`` names the culprit ("" for the row)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


class CsvRow(dict):
    """A row (cells by column name) whose shape is wrong: ``problems`` says how
    (cells beyond the header, a quote never closed). Such a row is reported as bad
    without being validated. Rows of the right shape are plain dicts."""

    problems: tuple[str, ...] = ()  # set on the few rows that have any


def cell_unescape(value: str) -> str:
    """Undo sms.exports.cell_safe: "'=SUM(A1)" -> "=SUM(A1)", so the bad-rows
    download and the list exports can be edited and imported again."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def date_check(value: date, *, text: str, latest: date, latest_reason: str) -> date:
    """Refuse a date before EARLIEST_DATE or after ``latest`` (ValueError)."""
    if value < EARLIEST_DATE:
        raise ValueError(
            _("%(date)s is before %(earliest)s, the earliest date an import takes.")
            % {"date": text, "earliest": EARLIEST_DATE.isoformat()}
        )
    if value > latest:
        raise ValueError(latest_reason)
    return value


@dataclass
class ImportProblem:
    line: int
    column: str
    message: str
    values: dict[str, str]


@dataclass
class ImportResult:
    rows: int
    problems: list[ImportProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    written: bool = False

    @property
    def good_rows(self) -> int:
        return self.rows - len({p.line for p in self.problems})


def csv_rows(
    file, *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV upload (bytes or text) into (line number, {column: stripped text}).

    Column names are matched without regard to case or surrounding spaces; unknown
    columns are an error, so a typo in a header is not silently ignored.
    """
    raw = file.read()
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."
            ) from exc
    raw = raw.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(raw, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ImportFileError("The file is empty.") from exc
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}") from exc
    columns = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in columns]
    unknown = [n for n in columns if n and n not in required and n not in optional]
    if missing or unknown:
        # Both at once: a misspelt header is usually one of each.
        found = []
        if missing:
            found.append("Missing column(s): " + ", ".join(missing) + ".")
        if unknown:
            found.append("Unknown column(s): " + ", ".join(unknown) + ".")
        raise ImportFileError(
            " ".join(found)
            + " Required: "
            + ", ".join(required)
            + "."
            + (" Optional: " + ", ".join(optional) + "." if optional else "")
        )
    rows = []
    width = len(columns)
    blank = {name: "" for name in columns if name}
    start = reader.line_num  # the line the previous record ended on
    try:
        for values in reader:
            line, start = start + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines are not rows
            row = blank.copy()
            for name, value in zip(columns, values, strict=False):
                if name:
                    value = value.strip()
                    # Tested here first: the call would cost a third of the read.
                    row[name] = cell_unescape(value) if value[:1] == "'" else value
            extra = len(values) > width and [v for v in values[width:] if v.strip()]
            if extra:
                row = CsvRow(row)
                row.problems = (
                    _(
                        "%(count)d cell(s) beyond the %(width)d columns of the "
                        "header (first: '%(cell)s'): a stray comma or a missing "
                        "column name?"
                    )
                    % {"count": len(extra), "width": width, "cell": extra[0][:40]},
                )
            rows.append((line, row))
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num}: not valid CSV: {exc}") from exc
    if rows and _quote_left_open(raw, rows[-1][0]):
        line, row = rows[-1]
        rows[-1] = (line, row := CsvRow(row))
        row.problems += (
            _(
                "A quote opened on this line is never closed, so the rest of the "
                "file was read as one cell: close the quote."
            ),
        )
    return rows


def _quote_left_open(raw: str, line: int) -> bool:
    """Whether the record starting on ``line`` runs to the end of the file inside
    a quoted cell (the lenient reader takes that silently; a strict one does not)."""
    tail = "".join(io.StringIO(raw, newline="").readlines()[line - 1 :])
    try:
        for _values in csv.reader(io.StringIO(tail, newline=""), strict=True):
            pass
    except csv.Error:
        return True
    return False


def import_rows(
    *,
    rows: list[tuple[int, dict[str, str]]],
    validate: Callable[[dict[str, str]], object],
    key: Callable[[object], Hashable] | None,
    write: Callable[[list], tuple[int, int]],
    dry_run: bool = False,
    good_rows_only: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate every row, then write the cleaned rows in one transaction.

    ``validate`` turns a row into a cleaned value or raises RowError/ValidationError.
    ``key`` gives the identity of a cleaned row: a second row with the same key in
    the file is reported as a duplicate of the first. ``write`` receives the cleaned
    values and returns (created, updated).
    """
    result = ImportResult(rows=len(rows))
    cleaned = []
    seen: dict[Hashable, int] = {}
    for line, values in rows:
        shape = getattr(values, "problems", None)
        if shape:
            result.problems.extend(ImportProblem(line, "", m, values) for m in shape)
            if progress:
                progress(1)
            continue
        try:
            value = validate(values)
        except RowError as exc:
            result.problems.append(ImportProblem(line, exc.column, exc.message, values))
        except ValidationError as exc:
            for column, messages in _errors_by_column(exc):
                for message in messages:
                    result.problems.append(ImportProblem(line, column, message, values))
        else:
            ident = key(value) if key else None
            if ident is not None and ident in seen:
                result.problems.append(
                    ImportProblem(
                        line,
                        "",
                        f"Duplicate of line {seen[ident]} in this file.",
                        values,
                    )
                )
            else:
                if ident is not None:
                    seen[ident] = line
                cleaned.append(value)
        if progress:
            progress(1)
    if dry_run or (result.problems and not good_rows_only) or not cleaned:
        return result
    with transaction.atomic():
        result.created, result.updated = write(cleaned)
    result.written = True
    return result


def _errors_by_column(exc: ValidationError):
    if hasattr(exc, "error_dict"):
        return [
            (col if col != "__all__" else "", msgs)
            for col, msgs in exc.message_dict.items()
        ]
    return [("", exc.messages)]


def problems_csv(*, result: ImportResult, columns: Sequence[str]) -> str:
    """The bad rows as a CSV, in the import's own columns plus line and reason.

    Cells a spreadsheet would run as a formula are escaped as the list exports
    do (sms.exports.cell_safe); csv_rows undoes it when the file comes back.
    """
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([*columns, "line", "reason"])
    by_line: dict[int, list[ImportProblem]] = {}
    for problem in result.problems:
        by_line.setdefault(problem.line, []).append(problem)
    for line, problems in by_line.items():
        reasons = "; ".join(
            f"{p.column}: {p.message}" if p.column else p.message for p in problems
        )
        writer.writerow(
            [
                *(cell_safe(problems[0].values.get(c, "")) for c in columns),
                line,
                cell_safe(reasons),
            ]
        )
    return text.getvalue()
