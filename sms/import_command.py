"""The base of every import_* management command (sms.import_pipeline).

A command names its declaration and, if it has any, adds its own options::

    class Command(ImportCommand):
        declaration_key = "products"

Options: FILE, ``--dry-run``, ``--good-rows-only``, ``--owner USER`` (the owner of
rows that name none, recorded as the importing user), ``--errors FILE`` (every bad
row with its line number and reason, as CSV; ``--problems-out``/``--problems`` are
its older names). Problems are grouped: a message shared by many rows is printed
once with its count, its first line numbers and how to fix it.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from tqdm import tqdm

from sms.import_pipeline import (
    COMMAND,
    IMPORTS,
    ImportContext,
    ImportDeclaration,
    import_run,
    problems_grouped,
)
from sms.imports import ImportFileError, problems_csv

# Notes (orders left unchanged, ...) listed before "... and N more" (all of them
# with --verbosity 2).
LISTED = 20


class ImportCommand(BaseCommand):
    declaration_key = ""
    integrity_hint = (
        "Another change got in the way during the import; nothing was written. "
        "Run the import again."
    )

    @property
    def declaration(self) -> ImportDeclaration:
        return IMPORTS[self.declaration_key]

    @property
    def help(self) -> str:
        return (
            f"Import {self.declaration.label.lower()} from a CSV file (format: "
            "docs/import-formats.md). Every row is checked first; if any row is bad "
            "nothing is written, unless --good-rows-only is given."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report; write nothing.",
        )
        parser.add_argument(
            "--good-rows-only",
            action="store_true",
            help="Write the good rows even if some rows are bad (they are listed).",
        )
        parser.add_argument(
            "--owner",
            metavar="USER",
            help="Owner of rows whose owner column is blank; recorded as the "
            "importing user.",
        )
        parser.add_argument(
            "--errors",
            "--problems-out",
            "--problems",
            dest="errors",
            type=Path,
            metavar="FILE",
            help="Write every bad row, with its line number and reason, to this CSV.",
        )

    def options_of(self, options: dict) -> dict:
        """The declaration's own options, from the command's (a hook)."""
        return {}

    def handle(self, *args, **options):
        errors = options["errors"]
        if errors and not errors.parent.is_dir():
            # Checked first: a good-rows-only import must not end without its report.
            raise CommandError(f"--errors: no folder for {errors}.")
        path = Path(options["file"])
        bar = tqdm(total=0, unit="row", file=self.stderr._out, desc="checking")
        phases = ["checking"]

        def progress(phase: str, advance: int, total: int) -> None:
            if phases[-1] != phase or bar.total != total:
                phases.append(phase)
                bar.reset(total=total)
                bar.set_description(phase)
            bar.update(advance)

        context = ImportContext(
            owner=self._owner(options["owner"]),
            options=self.options_of(options),
            progress=progress,
        )
        try:
            with path.open("rb") as file:
                result, planner = import_run(
                    self.declaration,
                    file=file,
                    context=context,
                    dry_run=options["dry_run"],
                    good_rows_only=options["good_rows_only"],
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except IntegrityError as exc:
            raise CommandError(self.integrity_hint) from exc
        finally:
            bar.close()

        self._problems(result)
        self._notes(planner.notes(), everything=options["verbosity"] >= 2)
        if errors and result.problems:
            try:
                errors.write_text(
                    problems_csv(result=result, columns=self.declaration.columns),
                    encoding="utf-8",
                )
            except OSError as exc:
                raise CommandError(f"Cannot write {errors}: {exc.strerror}.") from exc
            self.stdout.write(f"Bad rows written to {errors}.")

        bad_rows = result.rows - result.good_rows
        if result.written:
            summary = (
                f"Rows: {result.rows}, created: {result.created}, "
                f"updated: {result.updated}, bad rows: {bad_rows}."
            )
        else:
            summary = f"Rows: {result.rows}, bad rows: {bad_rows}. Nothing was written."
        self.stdout.write(summary)
        for label, number in planner.facts(result):
            self.stdout.write(f"  {label}: {number:,}")
        if bad_rows and not result.written:
            hint = "" if options["dry_run"] else " (--good-rows-only writes the rest)"
            raise CommandError(f"{bad_rows} bad row(s); nothing was written{hint}.")
        if result.written:
            self.stdout.write(self.style.SUCCESS("Import done."))

    def _problems(self, result) -> None:
        groups = problems_grouped(
            result.problems, declaration=self.declaration, channel=COMMAND
        )
        for group in groups:
            where = f", column {group.column}" if group.column else ""
            if group.count == 1:
                self.stdout.write(f"line {group.lines[0]}{where}: {group.text}")
            else:
                lines = ", ".join(map(str, group.lines))
                more = f" and {group.lines_more:,} more" if group.lines_more else ""
                self.stdout.write(
                    f"{group.count:,} rows{where}: {group.text} (lines {lines}{more})"
                )
            if group.fix:
                where = f" ({group.fix_url})" if group.fix_url else ""
                self.stdout.write(f"  Fix: {group.fix}{where}")

    def _notes(self, notes: list[tuple[int, str]], *, everything: bool) -> None:
        for line, text in notes if everything else notes[:LISTED]:
            self.stdout.write(f"line {line}: {text}")
        if not everything and len(notes) > LISTED:
            self.stdout.write(
                f"... and {len(notes) - LISTED} more (--verbosity 2 lists them all)."
            )

    @staticmethod
    def _owner(username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--owner: no user '{username}'.")
        if not user.is_active:
            raise CommandError(f"--owner: user '{username}' is inactive.")
        return user
