"""OrderEmail becomes a use of sms's outbox: a next-attempt time (existing rows are
due from their creation, as before), the outbox's index, and the order e-mail sweep
replaced by the outbox sweep (sms migration 0006)."""

from django.db import migrations, models
from django.db.models import F
from django.utils import timezone

from sms.schedules import periodic_task_retire_operation


def next_attempt_from_created(apps, schema_editor):
    apps.get_model("orders", "OrderEmail").objects.update(
        next_attempt_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_version"),
        ("sms", "0006_outbox_sweep_periodic_task"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="orderemail", name="orderemail_unsent_idx"),
        migrations.AddField(
            model_name="orderemail",
            name="next_attempt_at",
            field=models.DateTimeField(
                default=timezone.now, verbose_name="next attempt"
            ),
        ),
        migrations.RunPython(next_attempt_from_created, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="orderemail",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "sending"])),
                fields=["status", "next_attempt_at"],
                name="orderemail_due_idx",
            ),
        ),
        periodic_task_retire_operation(task="orders.tasks.order_emails_sweep"),
    ]
