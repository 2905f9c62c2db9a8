"""The import job sweep (sms.import_jobs), as a django-celery-beat periodic task."""

from django.db import migrations

from sms.schedules import periodic_task_operation


class Migration(migrations.Migration):
    dependencies = [
        ("sms", "0003_importjob"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        periodic_task_operation(
            name="Import job sweep (every 5 minutes)",
            task="sms.tasks.import_jobs_sweep",
            minute="*/5",
            description="Sends again the import jobs still queued because the broker "
            "was down, fails those whose worker died, deletes day-old uploads "
            "(sms.import_jobs).",
        )
    ]
