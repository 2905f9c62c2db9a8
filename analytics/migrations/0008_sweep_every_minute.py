"""The job sweep runs every minute (it was every 5): a job whose worker died is
restarted about a minute later, rather than failed after 15 to 20.

Only a schedule still as migration 0002 created it is changed; one an admin re-timed
is left alone (and keeps its name)."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASK = "analytics.tasks.jobs_fail_stale"
OLD = ("Analytics: fail stale jobs (every 5 minutes)", "*/5")
NEW = ("Analytics: restart or fail stale jobs (every minute)", "*")
DESCRIPTION = {
    OLD: "Marks failed the running analytics jobs whose worker stopped responding.",
    NEW: (
        "Restarts the running analytics jobs whose worker stopped (no heartbeat for "
        "a minute; failed after the last attempt) and sends again the queued jobs "
        "no worker picked up."
    ),
}


def retime(apps, old, new):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    name, minute = old
    task = task_model.objects.filter(
        name=name, task=TASK, crontab__minute=minute, crontab__hour="*"
    ).first()
    if task is None or task_model.objects.filter(name=new[0]).exists():
        return
    task.crontab, _ = crontab_model.objects.get_or_create(
        minute=new[1],
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    task.name = new[0]
    task.description = DESCRIPTION[new]
    task.save(update_fields=["crontab", "name", "description"])
    # Beat reloads its schedule when this timestamp changes.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def forwards(apps, schema_editor):
    retime(apps, OLD, NEW)


def backwards(apps, schema_editor):
    retime(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0007_jobrun_attempts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
