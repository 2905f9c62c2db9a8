"""The one CSV import pipeline: parse -> map columns -> validate -> plan -> write.

Every import (customers, products, orders, ...) is a declaration on it
(``ImportDeclaration``), registered by its app in AppConfig.ready() with
``import_register``; sms imports no app. The page (sms.views_imports), the
background job (sms.import_jobs) and the command (sms.import_command) all run an
import through ``import_run``:

- parse and map columns: ``sms.imports.csv_rows`` reads the file and matches the
  header to the declaration's required and optional columns (missing and unknown
  columns are reported together);
- plan: the declaration's planner is built from every row at once, so it can load
  what it needs from the database in a few batched queries;
- validate: ``planner.check`` per row (RowError or ValidationError for a bad row);
  nothing is written if any row is bad, unless the good rows only are asked for;
- write: ``planner.write`` with the cleaned rows, in one transaction.
"""

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.urls import NoReverseMatch, reverse

from sms.imports import ImportProblem, ImportResult, csv_rows, import_rows

# progress(phase, advance, total): phase is "checking" or "writing".
Progress = Callable[[str, int, int], None]

COMMAND = "command"
PAGE = "page"


@dataclass
class ImportContext:
    """Who imports and with which choices.

    ``user``: the user on the page (their permissions limit what they may import);
    None on the command line (no limits). ``owner``: the default owner of new
    records and the user recorded as having imported them (the page: the user or
    the owner they chose; the command: ``--owner``). ``options``: the declaration's
    own choices (JSON-serialisable: they are stored with a background job).
    """

    user: AbstractBaseUser | None = None
    owner: AbstractBaseUser | None = None
    options: dict = field(default_factory=dict)
    progress: Progress | None = None


class ImportPlanner:
    """What a declaration plugs into the pipeline; built once per run from all rows.

    ``check`` returns a row's cleaned value or raises sms.imports.RowError /
    ValidationError; ``write`` writes the cleaned values of the good rows and
    returns (created, updated). ``facts`` are (label, number) pairs shown beside
    the row counts; ``notes`` are (line, text) pairs that are not problems (an
    order left unchanged); ``result`` may return a richer ImportResult.
    """

    # A planner that checks every row while it is built reports that progress itself.
    reports_checking = False

    def __init__(self, *, rows: list[tuple[int, dict[str, str]]], context):
        self.rows = rows
        self.context = context

    def key(self, cleaned) -> Hashable | None:
        """The identity of a cleaned row; a later row with the same one is a
        duplicate. None: the planner finds duplicates itself."""
        return None

    def check(self, line: int, values: dict[str, str]):
        raise NotImplementedError

    def write(self, cleaned: list) -> tuple[int, int]:
        raise NotImplementedError

    def facts(self, result: ImportResult) -> list[tuple[str, int]]:
        return []

    def notes(self) -> list[tuple[int, str]]:
        return []

    def writable(self, result: ImportResult) -> int:
        """How many good rows a confirmation would write (0: nothing new)."""
        return result.good_rows

    def result(self, result: ImportResult) -> ImportResult:
        return result


@dataclass(frozen=True)
class Fix:
    """How to fix a problem, shown once beside a group of problems: rows whose
    problem is in ``column`` and whose message starts with ``starts``."""

    column: str
    starts: str
    command: str  # on the command line
    page: str  # on the upload page
    url_name: str = ""  # a page where the fix is made, linked when it exists


@dataclass(frozen=True)
class ImportDeclaration:
    """One import: its columns, its planner, who may run it and what it is called."""

    key: str  # "customers": in URLs, jobs and file names
    label: str  # "Customers"
    permission: str  # "customers.import_customer"
    required: Sequence[str]
    optional: Sequence[str]
    key_column: str  # shown beside each problem (the SKU, the name, ...)
    list_url: str  # URL name of the list the import fills
    planner: Callable[..., ImportPlanner]  # planner(rows=..., context=...)
    help_template: str  # the columns and rules, on the upload page
    # form_fields(user) -> {name: forms.Field}: the upload page's own choices.
    form_fields: Callable[[AbstractBaseUser], dict] = lambda user: {}
    # options(cleaned_data, user) -> (owner pk or None, options dict).
    form_options: Callable[[dict, AbstractBaseUser], tuple] = lambda data, user: (
        None,
        {},
    )
    fixes: Sequence[Fix] = ()
    help_context: Callable[[], dict] = dict  # what help_template needs

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)

    def fix_for(self, problem: ImportProblem, *, channel: str) -> tuple[str, str]:
        """(how to fix it, the URL of the page to do it on or "") for a problem."""
        for fix in self.fixes:
            if fix.column == problem.column and problem.message.startswith(fix.starts):
                return getattr(fix, channel), _url(fix.url_name)
        return "", ""


def _url(name: str) -> str:
    if not name:
        return ""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


IMPORTS: dict[str, ImportDeclaration] = {}


def import_register(declaration: ImportDeclaration) -> ImportDeclaration:
    IMPORTS[declaration.key] = declaration
    return declaration


def import_rows_read(declaration: ImportDeclaration, file):
    """Parse and map columns: (line, {column: text}) per row; ImportFileError when
    the file as a whole is unreadable or its header does not fit."""
    return csv_rows(file, required=declaration.required, optional=declaration.optional)


def import_run(
    declaration: ImportDeclaration,
    *,
    file=None,
    rows: list[tuple[int, dict[str, str]]] | None = None,
    context: ImportContext | None = None,
    dry_run: bool = False,
    good_rows_only: bool = False,
) -> tuple[ImportResult, ImportPlanner]:
    """Run an import (every stage); returns the result and the planner (its facts
    and notes). Nothing is written on a dry run or when any row is bad, unless
    ``good_rows_only``."""
    context = context or ImportContext()
    if rows is None:
        rows = import_rows_read(declaration, file)
    planner = declaration.planner(rows=rows, context=context)
    progress = context.progress

    def checked(advance: int) -> None:
        progress("checking", advance, len(rows))

    result = import_rows(
        rows=rows,
        validate=_checker(planner, rows),
        key=planner.key,
        write=planner.write,
        dry_run=dry_run,
        good_rows_only=good_rows_only,
        progress=checked if progress and not planner.reports_checking else None,
    )
    return planner.result(result), planner


def _checker(planner: ImportPlanner, rows):
    line_of = {id(values): line for line, values in rows}
    return lambda values: planner.check(line_of[id(values)], values)


# -- errors, grouped --------------------------------------------------------------

QUOTED = re.compile(r"'[^']*'")
LINES_SHOWN = 5


@dataclass
class ProblemGroup:
    """Problems of one kind: the message once, how many rows, their first lines."""

    column: str
    message: str  # the first problem's message (its quoted values as written)
    shape: str  # the message with its quoted values left out
    count: int = 0
    lines: list[int] = field(default_factory=list)
    fix: str = ""
    fix_url: str = ""

    @property
    def text(self) -> str:
        return self.message if self.count == 1 else self.shape

    @property
    def lines_more(self) -> int:
        return self.count - len(self.lines)


def problems_grouped(
    problems: Sequence[ImportProblem],
    *,
    declaration: ImportDeclaration,
    channel: str,
) -> list[ProblemGroup]:
    """One group per (column, message with its quoted values left out), most
    frequent first: 23,570 rows without an owner are one line, not 23,570."""
    groups: dict[tuple[str, str], ProblemGroup] = {}
    for problem in problems:
        shape = (problem.column, QUOTED.sub("'…'", problem.message))
        group = groups.get(shape)
        if group is None:
            fix, url = declaration.fix_for(problem, channel=channel)
            group = groups[shape] = ProblemGroup(
                column=problem.column,
                message=problem.message,
                shape=shape[1],
                fix=fix,
                fix_url=url,
            )
        group.count += 1
        if len(group.lines) < LINES_SHOWN:
            group.lines.append(problem.line)
    return sorted(groups.values(), key=lambda g: (-g.count, g.lines[0]))
