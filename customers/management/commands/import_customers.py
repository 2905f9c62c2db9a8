"""python manage.py import_customers FILE.csv [--dry-run] [--owner USERNAME] ..."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from customers.importing import COLUMNS, customer_import
from sms.imports import ImportFileError, problems_csv


class Command(BaseCommand):
    help = (
        "Import customers from a CSV file (columns: docs/import-formats.md). Every "
        "row is checked first; if any row is bad nothing is written, unless "
        "--good-rows-only is given. Rows whose external_ref exists update that "
        "customer."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report; write nothing.",
        )
        parser.add_argument(
            "--owner",
            metavar="USERNAME",
            help="Owner of new customers whose owner column is blank.",
        )
        parser.add_argument(
            "--good-rows-only",
            action="store_true",
            help="Write the good rows even if some rows are bad (they are listed).",
        )
        parser.add_argument(
            "--problems-out",
            type=Path,
            metavar="FILE",
            help="Write the bad rows, with a reason column, to this CSV file.",
        )

    def handle(self, *args, **options):
        default_owner = self._owner(options["owner"])
        if (
            options["problems_out"]
            and not Path(options["problems_out"]).parent.is_dir()
        ):
            # Checked first: a good-rows-only import must not end without its report.
            raise CommandError(
                f"--problems-out: no folder for {options['problems_out']}."
            )
        path = Path(options["file"])
        bar = tqdm(total=0, unit="row", file=self.stderr._out, desc="checking")
        phases = ["checking"]

        def progress(phase: str, advance: int, total: int) -> None:
            if phases[-1] != phase or bar.total != total:
                phases.append(phase)
                bar.reset(total=total)
                bar.set_description(phase)
            bar.update(advance)

        try:
            with path.open("rb") as file:
                result = customer_import(
                    file=file,
                    default_owner=default_owner,
                    dry_run=options["dry_run"],
                    good_rows_only=options["good_rows_only"],
                    progress=progress,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        finally:
            bar.close()

        for problem in result.problems:
            where = f"line {problem.line}"
            if problem.column:
                where += f", column {problem.column}"
            self.stdout.write(f"{where}: {problem.message}")
        bad_rows = result.rows - result.good_rows
        if options["problems_out"] and result.problems:
            report = Path(options["problems_out"])
            try:
                report.write_text(
                    problems_csv(result=result, columns=COLUMNS), encoding="utf-8"
                )
            except OSError as exc:
                raise CommandError(f"Cannot write {report}: {exc.strerror}.") from exc
            self.stdout.write(f"Bad rows written to {report}.")

        if result.written:
            summary = (
                f"Rows: {result.rows}, created: {result.created}, "
                f"updated: {result.updated}, bad rows: {bad_rows}."
            )
        else:
            summary = (
                f"Rows: {result.rows}, would create: {result.to_create}, "
                f"would update: {result.to_update}, bad rows: {bad_rows}. "
                "Nothing was written."
            )
        self.stdout.write(summary)
        if bad_rows and not result.written:
            hint = "" if options["dry_run"] else " (--good-rows-only writes the rest)"
            raise CommandError(f"{bad_rows} bad row(s); nothing was written{hint}.")
        if result.written:
            self.stdout.write(self.style.SUCCESS("Import done."))

    def _owner(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--owner: no user '{username}'.")
        if not user.is_active:
            raise CommandError(f"--owner: user '{username}' is inactive.")
        return user
