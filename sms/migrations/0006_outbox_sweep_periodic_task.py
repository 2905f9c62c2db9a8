"""The outbox sweep (sms.outbox), as a django-celery-beat periodic task: one for
every outbox (it replaces the order and the quote e-mail sweeps)."""

from django.db import migrations

from sms.schedules import periodic_task_operation


class Migration(migrations.Migration):
    dependencies = [
        ("sms", "0005_formsubmission"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        periodic_task_operation(
            name="Outbox sweep (every 5 minutes)",
            task="sms.tasks.outbox_sweep",
            minute="*/5",
            description="Sends the e-mails (and other outbox messages) still unsent "
            "because the broker was down, a worker died or a retry was lost "
            "(sms.outbox).",
        )
    ]
