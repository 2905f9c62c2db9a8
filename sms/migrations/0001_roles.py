from django.db import migrations

ROLES = ("Sales rep", "Sales manager")


def roles_create(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for name in ROLES:
        group_model.objects.get_or_create(name=name)


def roles_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    # Permissions are granted after migrate by sms.roles.roles_sync (post_migrate),
    # because the permissions of apps that migrate later do not exist yet here.
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(roles_create, roles_delete)]
