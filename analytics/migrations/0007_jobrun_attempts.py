"""Job attempts: a job whose worker died is started again, and the row counts the
attempts, says why the last one did not finish and when the sweep sent it again."""

from django.db import migrations, models


def started_jobs_had_one_attempt(apps, schema_editor):
    apps.get_model("analytics", "JobRun").objects.exclude(started_at=None).update(
        attempt=1
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0006_forecast_drivers"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobrun",
            name="attempt",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempt"),
        ),
        migrations.AddField(
            model_name="jobrun",
            name="resent_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="sent again"
            ),
        ),
        migrations.AddField(
            model_name="jobrun",
            name="retry_reason",
            field=models.CharField(
                blank=True, max_length=255, verbose_name="retry reason"
            ),
        ),
        migrations.RunPython(started_jobs_had_one_attempt, migrations.RunPython.noop),
    ]
