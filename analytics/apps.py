from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the built-in job runners (segmentation, forecast).
        from analytics import runners  # noqa: F401
        from analytics.selectors import customer_segment_history
        from customers.panels import panel_register

        panel_register(
            key="segment",
            template="analytics/_customer_segment.html",
            context=customer_segment_history,
            order=30,
        )
