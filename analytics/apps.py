from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The built-in job runners, by dotted path: imported on the first job.
        from analytics.jobs import job_runner_register
        from analytics.models import JobRun
        from analytics.selectors import (
            customer_list_segment_apply,
            customer_list_segment_field,
            customer_segment_history,
        )
        from customers.list_filters import list_filter_register
        from customers.panels import panel_register

        job_runner_register(
            JobRun.Kind.SEGMENTATION, "analytics.runners.segmentation_run"
        )
        job_runner_register(JobRun.Kind.FORECAST, "analytics.runners.forecast_run")
        _figures_follow_the_data()
        panel_register(
            key="segment",
            template="analytics/_customer_segment.html",
            context=customer_segment_history,
            order=30,
        )
        list_filter_register(
            key="segment",
            field=customer_list_segment_field,
            apply=customer_list_segment_apply,
            order=30,
        )

        # The stock pages' forecast-based reorder suggestions.
        from analytics.selectors import reorder_demand_forecasts
        from inventory.demand import demand_provider_register

        demand_provider_register(
            key="analytics-forecast", provider=reorder_demand_forecasts
        )


def _figures_follow_the_data() -> None:
    """Cached dashboard and report figures are recomputed after any committed
    change to what they read (see analytics/cache.py)."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    from analytics.cache import data_changed
    from orders.signals import orders_bulk_changed

    for label in (
        "orders.Order",
        "orders.OrderLine",
        "orders.Payment",
        "opportunities.Opportunity",
        "opportunities.StageChange",
        "customers.Customer",
        "customers.Interaction",
    ):
        model = apps.get_model(label)
        post_save.connect(data_changed, sender=model, dispatch_uid=f"figures-{label}")
        post_delete.connect(
            data_changed, sender=model, dispatch_uid=f"figures-{label}-"
        )
    orders_bulk_changed.connect(data_changed, dispatch_uid="figures-orders-bulk")
