"""python manage.py import_orders FILE.csv [--dry-run] [--good-rows-only] ..."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from tqdm import tqdm

from orders.importing import COLUMNS, order_import
from sms.imports import ImportFileError, problems_csv

# Already-present orders and left-out orders listed before "... and N more" (all of
# them with --verbosity 2).
LISTED = 20


class Command(BaseCommand):
    help = (
        "Import order history from a CSV file, one row per order line (columns: "
        "docs/import-formats.md, Orders). Every row is checked first; if any row is "
        "bad nothing is written, unless --good-rows-only is given (then orders with "
        "a bad line are left out whole). Orders whose number exists are skipped, "
        "never changed. Historical orders move no stock."
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
            help="Write the good orders even if some rows are bad (they are listed).",
        )
        parser.add_argument(
            "--problems-out",
            type=Path,
            metavar="FILE",
            help="Write the bad rows, with a reason column, to this CSV file.",
        )

    def handle(self, *args, **options):
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
                bar.unit = "row" if phase == "checking" else "order"
            bar.update(advance)

        try:
            with path.open("rb") as file:
                result = order_import(
                    file=file,
                    dry_run=options["dry_run"],
                    good_rows_only=options["good_rows_only"],
                    progress=progress,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except IntegrityError as exc:
            raise CommandError(
                "Some of these order numbers were written by someone else during "
                "the import; nothing was written. Run the import again: orders "
                "that exist now are skipped."
            ) from exc
        finally:
            bar.close()

        for problem in result.problems:
            where = f"line {problem.line}"
            if problem.column:
                where += f", column {problem.column}"
            self.stdout.write(f"{where}: {problem.message}")
        everything = options["verbosity"] >= 2
        for skipped in result.skipped if everything else result.skipped[:LISTED]:
            self.stdout.write(f"line {skipped.line}: {skipped.reason}")
        if not everything and len(result.skipped) > LISTED:
            self.stdout.write(
                f"... and {len(result.skipped) - LISTED} more orders already present "
                "(--verbosity 2 lists them all)."
            )
        if result.rejected:
            shown = result.rejected if everything else result.rejected[:LISTED]
            more = len(result.rejected) - len(shown)
            self.stdout.write(
                "Orders with bad lines: "
                + ", ".join(shown)
                + (f" and {more} more" if more else "")
                + "."
            )
        if options["problems_out"] and result.problems:
            report = Path(options["problems_out"])
            try:
                report.write_text(
                    problems_csv(result=result, columns=COLUMNS), encoding="utf-8"
                )
            except OSError as exc:
                raise CommandError(f"Cannot write {report}: {exc.strerror}.") from exc
            self.stdout.write(f"Bad rows written to {report}.")

        present = (
            f"already present: {len(result.skipped)} orders "
            f"({result.skipped_lines} rows)"
        )
        if result.written:
            summary = (
                f"Rows: {result.rows}, created: {result.created} orders "
                f"({result.lines_created} lines), {present}, "
                f"bad rows: {result.bad_rows}."
            )
        else:
            summary = (
                f"Rows: {result.rows}, would create: {result.orders_to_create} orders "
                f"({result.lines_to_create} lines), {present}, "
                f"bad rows: {result.bad_rows}. Nothing was written."
            )
        self.stdout.write(summary)
        if result.bad_rows and not result.written:
            hint = "" if options["dry_run"] else " (--good-rows-only writes the rest)"
            raise CommandError(
                f"{result.bad_rows} bad row(s); nothing was written{hint}."
            )
        if result.written:
            self.stdout.write(self.style.SUCCESS("Import done."))
