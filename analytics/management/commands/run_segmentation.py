"""python manage.py run_segmentation [--as-of DATE] [--k N]"""

from django.core.management.base import CommandError

from analytics.job_options import K_RANGE
from analytics.management.commands._jobs import JobCommand
from analytics.models import JobRun


class Command(JobCommand):
    help = (
        "Run customer segmentation (RFM and K-Means) in this process, as the Jobs "
        "page does: the run is recorded on the Jobs page with its result."
    )
    kind = JobRun.Kind.SEGMENTATION

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--k",
            type=int,
            metavar="N",
            help=f"Fix the number of K-Means clusters ({K_RANGE[0]} to {K_RANGE[1]}; "
            "default: the k with the best silhouette).",
        )

    def job_parameters(self, options: dict) -> dict:
        parameters = super().job_parameters(options)
        k = options.get("k")
        if k is not None:
            low, high = K_RANGE
            if not low <= k <= high:
                raise CommandError(f"--k: {k} is not between {low} and {high}.")
            parameters["k"] = k
        return parameters
