"""The daily follow-up check, as a django-celery-beat periodic task.

Created here once so admins can see, pause and re-time it under Periodic tasks;
a later migrate never overwrites what they changed.
"""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASK_NAME = "Opportunity follow-ups (daily)"
TASK = "opportunities.tasks.follow_up_check"


def periodic_task_create(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    changes_model = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule, _ = crontab_model.objects.get_or_create(
        minute="30",
        hour="6",
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
            "description": "Creates one follow-up task per stale open opportunity "
            "and e-mails each rep a digest once a day. Also: python manage.py "
            "follow_up_opportunities.",
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
        ("opportunities", "0005_follow_up_digest"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(periodic_task_create, periodic_task_delete)]
