"""The usual lost reasons and the lead assignment settings row, created once;
managers edit both in the admin and a later migrate never overwrites them."""

from django.db import migrations

LOST_REASONS = [
    "Price too high",
    "Went with a competitor",
    "No budget",
    "Bad timing",
    "No decision",
    "Product does not fit",
    "Lost contact",
]


def create(apps, schema_editor):
    reason_model = apps.get_model("opportunities", "LostReason")
    for position, name in enumerate(LOST_REASONS, start=1):
        reason_model.objects.get_or_create(name=name, defaults={"position": position})
    settings_model = apps.get_model("opportunities", "AssignmentSettings")
    if not settings_model.objects.exists():
        settings_model.objects.create()


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
