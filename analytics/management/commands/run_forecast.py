"""python manage.py run_forecast [--as-of DATE]"""

from analytics.management.commands._jobs import JobCommand
from analytics.models import JobRun


class Command(JobCommand):
    help = (
        "Run the sales forecast in this process, as the Jobs page does: the run is "
        "recorded on the Jobs page with its result."
    )
    kind = JobRun.Kind.FORECAST
