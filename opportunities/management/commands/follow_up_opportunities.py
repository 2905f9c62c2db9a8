"""Run the stale-opportunity check now (the same work as the daily periodic task)."""

from django.core.management.base import BaseCommand

from opportunities.follow_ups import opportunities_follow_up


class Command(BaseCommand):
    help = (
        "Create one follow-up task per stale open opportunity and e-mail each rep "
        "their daily digest (once per day)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days without activity that make an opportunity stale "
            "(default: SMS_STALE_OPPORTUNITY_DAYS).",
        )

    def handle(self, *args, days=None, **options):
        result = opportunities_follow_up(stale_days=days)
        for task in result.created:
            self.stdout.write(f"task for {task.assigned_to}: {task.title}")
        for opportunity in result.inactive_owner:
            self.stdout.write(
                self.style.WARNING(
                    f"no task: #{opportunity.pk} {opportunity.title} is owned by "
                    f"{opportunity.owner or 'nobody'} (inactive); reassign it"
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.stale} stale opportunities: {len(result.created)} "
                f"task(s) created, {result.already_open} already had an open task, "
                f"{len(result.inactive_owner)} with an inactive owner; "
                f"{result.digests_queued} digest(s) queued."
            )
        )
