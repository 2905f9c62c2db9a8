"""python manage.py import_products FILE.csv [--dry-run] [--good-rows-only]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from products.imports import products_csv_rows, products_import
from sms.imports import ImportFileError, problems_csv


class Command(BaseCommand):
    help = (
        "Import products from a CSV file (format: docs/import-formats.md, Products). "
        "Every row is checked first; if any row is bad nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 CSV file with a header row.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report; write nothing.",
        )
        parser.add_argument(
            "--good-rows-only",
            action="store_true",
            help="Write the good rows even if some rows are bad (those are listed).",
        )
        parser.add_argument(
            "--problems",
            metavar="OUT.csv",
            help="Write the bad rows to this CSV, with their line and reason.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as handle:
                rows = products_csv_rows(file=handle)
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc

        # The bar goes to stderr so that stdout keeps only the report.
        stream = getattr(self.stderr, "_out", self.stderr)
        with tqdm(
            total=len(rows), desc="Checking rows", unit="row", file=stream
        ) as bar:
            result = products_import(
                file=None,
                rows=rows,
                dry_run=options["dry_run"],
                good_rows_only=options["good_rows_only"],
                progress=bar.update,
            )

        for problem in result.problems:
            where = f"line {problem.line}"
            if problem.column:
                where += f", {problem.column}"
            self.stdout.write(f"{where}: {problem.message}")
        if options["problems"] and result.problems:
            columns = list(rows[0][1]) if rows else []
            Path(options["problems"]).write_text(
                problems_csv(result=result, columns=columns), encoding="utf-8"
            )
            self.stdout.write(f"Bad rows written to {options['problems']}.")

        bad = result.rows - result.good_rows
        summary = f"{result.rows} rows: {result.good_rows} good, {bad} bad."
        if options["dry_run"]:
            self.stdout.write(summary + " Dry run: nothing written.")
            if bad:
                raise CommandError(f"{bad} bad row(s); see above.")
            return
        if not result.written:
            if bad:
                raise CommandError(
                    summary + " Nothing written. Fix the rows above, or pass "
                    "--good-rows-only to import the good rows."
                )
            self.stdout.write(summary + " Nothing to write.")
            return
        unchanged = result.good_rows - result.created - result.updated
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary} Created {result.created}, updated {result.updated}, "
                f"unchanged {unchanged}"
                + (f", skipped {bad} bad row(s)." if bad else ".")
            )
        )
