"""Shared by run_segmentation and run_forecast: run a job in this process with a
progress bar (the same service and runner as the Jobs page)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from analytics.jobs import job_run_inline
from analytics.models import JobRun


def iso_date(value: str) -> date:
    """--as-of as a date: not in the future, as on the Jobs page (a month still
    under way would be read as complete, and recencies would be negative)."""
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of: {value!r} is not a date (YYYY-MM-DD).") from exc
    if day > timezone.localdate():
        raise CommandError(
            f"--as-of: {value} is in the future (today is {timezone.localdate()})."
        )
    return day


class JobCommand(BaseCommand):
    kind: str = ""

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            metavar="DATE",
            help="Use orders up to and including this date (YYYY-MM-DD; default "
            "today).",
        )

    def job_parameters(self, options: dict) -> dict:
        """The job's parameters beyond --as-of (a command's own options)."""
        return {}

    def handle(self, *args, **options):
        parameters = {}
        if options["as_of"]:
            parameters["as_of"] = iso_date(options["as_of"]).isoformat()
        parameters.update(self.job_parameters(options))
        with tqdm(
            total=100, unit="%", file=self.stderr._out, desc=self.kind, leave=True
        ) as bar:

            def observer(percent: int, message: str) -> None:
                bar.update(max(0, percent - bar.n))
                bar.set_postfix_str(message, refresh=True)

            job = job_run_inline(
                kind=self.kind, parameters=parameters, observer=observer
            )
        if job.status != JobRun.Status.SUCCEEDED:
            raise CommandError(f"Job #{job.pk} failed: {job.error}")
        summary = ", ".join(
            f"{key}: {value}"
            for key, value in job.summary.items()
            if not isinstance(value, list | dict) and key != "notice"
        )
        self.stdout.write(self.style.SUCCESS(f"Job #{job.pk} succeeded ({summary})."))
        # What the run's page shows above its results (e.g. a forecast whose
        # history was moved back to the last month with sales).
        if job.summary.get("notice"):
            self.stdout.write(self.style.WARNING(job.summary["notice"]))
