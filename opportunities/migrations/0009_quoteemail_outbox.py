"""QuoteEmail becomes a use of sms's outbox: a next-attempt time (existing rows are
due from their creation, as before), the outbox's statuses and index, and the quote
e-mail sweep replaced by the outbox sweep (sms migration 0006)."""

from django.db import migrations, models
from django.db.models import F
from django.utils import timezone

from sms.schedules import periodic_task_retire_operation


def next_attempt_from_created(apps, schema_editor):
    apps.get_model("opportunities", "QuoteEmail").objects.update(
        next_attempt_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0008_version"),
        ("sms", "0006_outbox_sweep_periodic_task"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="quoteemail", name="quoteemail_unsent_idx"),
        migrations.AddField(
            model_name="quoteemail",
            name="next_attempt_at",
            field=models.DateTimeField(
                default=timezone.now, verbose_name="next attempt"
            ),
        ),
        migrations.RunPython(next_attempt_from_created, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="quoteemail",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("skipped", "Not sent"),
                ],
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="quoteemail",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "sending"])),
                fields=["status", "next_attempt_at"],
                name="quoteemail_due_idx",
            ),
        ),
        periodic_task_retire_operation(task="opportunities.tasks.quote_emails_sweep"),
    ]
