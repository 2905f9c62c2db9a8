"""One way to create a django-celery-beat periodic task from a data migration.

Each periodic job is created once, by a migration, so admins can see, pause and
re-time it under Periodic tasks; a later migrate never overwrites what they changed.
"""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def periodic_task_operation(
    *, name: str, task: str, description: str, minute: str = "*", hour: str = "*"
) -> migrations.RunPython:
    """The RunPython operation that creates (and on reverse deletes) one crontab
    periodic task named ``name`` running ``task``."""

    def create(apps, schema_editor):
        crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
        task_model = apps.get_model("django_celery_beat", "PeriodicTask")
        changes_model = apps.get_model("django_celery_beat", "PeriodicTasks")
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
                "kwargs": json.dumps({}),
                "description": description,
                "enabled": True,
            },
        )
        # Beat reloads its schedule when this timestamp changes (signals do not
        # fire for migration models).
        changes_model.objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )

    def delete(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
            name=name
        ).delete()

    return migrations.RunPython(create, delete)


def periodic_task_retire_operation(*, task: str) -> migrations.RunPython:
    """The RunPython operation that deletes the periodic tasks running ``task``
    (a task that no longer exists: beat would send what no worker knows). Not
    reversed: the migration that created them is the place to go back to."""

    def delete(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
            task=task
        ).delete()
        apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )

    return migrations.RunPython(delete, migrations.RunPython.noop)
