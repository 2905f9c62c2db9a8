from django.apps import AppConfig


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = "Opportunities"
    default_auto_field = "django.db.models.BigAutoField"
