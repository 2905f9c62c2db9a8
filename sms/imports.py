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

from django.core.exceptions import ValidationError
from django.db import transaction


class ImportFileError(Exception):
    """The file as a whole cannot be read: encoding, no header, missing columns."""


class RowError(Exception):
    """Raised by a row validator: ``column`` names the culprit ("" for the row)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


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
    if missing:
        raise ImportFileError("Missing column(s): " + ", ".join(missing) + ".")
    unknown = [n for n in columns if n and n not in required and n not in optional]
    if unknown:
        raise ImportFileError(
            "Unknown column(s): "
            + ", ".join(unknown)
            + ". Expected: "
            + ", ".join([*required, *optional])
            + "."
        )
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines are not rows
            row = {name: "" for name in columns if name}
            for name, value in zip(columns, values, strict=False):
                if name:
                    row[name] = value.strip()
            rows.append((line, row))
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num}: not valid CSV: {exc}") from exc
    return rows


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
    """The bad rows as a CSV, in the import's own columns plus line and reason."""
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
            [*(problems[0].values.get(c, "") for c in columns), line, reasons]
        )
    return text.getvalue()
