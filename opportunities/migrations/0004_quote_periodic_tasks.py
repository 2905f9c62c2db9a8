"""The quote jobs, as django-celery-beat periodic tasks: the daily expiry of quotes
past their validity date, and the quote e-mail outbox sweep.

Created here once so admins can see, pause and re-time them under Periodic tasks;
a later migrate never overwrites what they changed.
"""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASKS = (
    {
        "name": "Expire quotes past their validity date (daily)",
        "task": "opportunities.tasks.quotes_expire",
        "schedule": {"minute": "10", "hour": "0"},
        "description": "Marks draft and sent quotes whose validity date has passed "
        "expired (opportunities.services.quotes_expire).",
    },
    {
        "name": "Quote e-mail outbox sweep (every 5 minutes)",
        "task": "opportunities.tasks.quote_emails_sweep",
        "schedule": {"minute": "*/5", "hour": "*"},
        "description": "Sends quote e-mails still unsent because the broker was "
        "down or a worker died (opportunities.emails).",
    },
)


def periodic_tasks_create(apps, schema_editor):
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    changes_model = apps.get_model("django_celery_beat", "PeriodicTasks")
    for spec in TASKS:
        schedule, _ = crontab_model.objects.get_or_create(
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
            **spec["schedule"],
        )
        task_model.objects.get_or_create(
            name=spec["name"],
            defaults={
                "task": spec["task"],
                "crontab": schedule,
                "args": json.dumps([]),
                "kwargs": json.dumps({}),
                "description": spec["description"],
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
        name__in=[spec["name"] for spec in TASKS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0003_quote_email"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(periodic_tasks_create, periodic_tasks_delete)]
