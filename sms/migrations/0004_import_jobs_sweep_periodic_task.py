"""The import job sweep (sms.import_jobs), as a django-celery-beat periodic task.

Created here once so admins can see, pause and re-time it under Periodic tasks;
a later migrate never overwrites what they changed.
"""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASK_NAME = "Import job sweep (every 5 minutes)"
TASK = "sms.tasks.import_jobs_sweep"


def periodic_task_create(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    changes_model = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule, _ = crontab_model.objects.get_or_create(
        minute="*/5",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    task_model.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": schedule,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "Sends again the import jobs still queued because the broker "
            "was down, fails those whose worker died, deletes day-old uploads "
            "(sms.import_jobs).",
            "enabled": True,
        },
    )
    # Beat reloads its schedule when this timestamp changes (signals do not fire
    # for migration models).
    changes_model.objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def periodic_task_delete(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=TASK_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sms", "0003_importjob"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(periodic_task_create, periodic_task_delete)]
