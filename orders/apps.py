from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders.importing import DECLARATION
        from sms.import_pipeline import import_register

        import_register(DECLARATION)

        from customers.panels import panel_register, timeline_source_register
        from orders.selectors import customer_order_summary, customer_timeline_orders

        panel_register(
            key="purchases",
            template="orders/_customer_orders.html",
            context=customer_order_summary,
            order=10,
        )
        timeline_source_register(
            key="order",
            entries=customer_timeline_orders,
            template="orders/_timeline_order.html",
        )

        from orders.models import OrderEmail
        from sms.outbox.registry import outbox_register

        outbox_register(model=OrderEmail, build="orders.emails.order_email_message")
