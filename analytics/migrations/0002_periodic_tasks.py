"""The analytics schedules, as django-celery-beat periodic tasks.

Created here once so admins can see, pause and re-time them under Periodic tasks;
a later migrate never overwrites what they changed.
"""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

# name -> (task, crontab minute, hour, kwargs, description)
TASKS = {
    "Analytics: fail stale jobs (every 5 minutes)": (
        "analytics.tasks.jobs_fail_stale",
        "*/5",
        "*",
        {},
        "Marks failed the running analytics jobs whose worker stopped responding.",
    ),
    "Analytics: nightly customer segmentation": (
        "analytics.tasks.job_start_scheduled",
        "30",
        "2",
        {"kind": "segmentation"},
        "Starts a segmentation job as of today (see the Jobs page).",
    ),
    "Analytics: nightly sales forecast": (
        "analytics.tasks.job_start_scheduled",
        "0",
        "3",
        {"kind": "forecast"},
        "Starts a forecast job as of today (see the Jobs page).",
    ),
}


def periodic_tasks_create(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    changes_model = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, (task, minute, hour, kwargs, description) in TASKS.items():
        schedule, _ = crontab_model.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        task_model.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "crontab": schedule,
                "args": json.dumps([]),
                "kwargs": json.dumps(kwargs),
                "description": description,
                "enabled": True,
            },
        )
    # Beat reloads its schedule when this timestamp changes (signals do not fire
    # for migration models).
    changes_model.objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def periodic_tasks_delete(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=list(TASKS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(periodic_tasks_create, periodic_tasks_delete)]
