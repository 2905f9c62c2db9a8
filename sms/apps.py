from django.apps import AppConfig
from django.core.checks import Tags, register
from django.db.models.signals import post_migrate


class SmsConfig(AppConfig):
    name = "sms"
    verbose_name = "SMS"

    def ready(self) -> None:
        from sms.checks import demo_passwords_check
        from sms.roles import roles_sync_on_migrate
        from sms.tables_speed import tables2_memoise

        tables2_memoise()

        # No sender filter: permissions of apps listed after this one are created
        # by their own post_migrate, and a flush (transactional tests) empties the
        # groups, so every emission re-syncs. The sync is idempotent and cheap.
        post_migrate.connect(roles_sync_on_migrate, dispatch_uid="sms.roles_sync")
        # A deploy check: it runs with `check --deploy` only, as each try is a hash.
        register(demo_passwords_check, Tags.security, deploy=True)
