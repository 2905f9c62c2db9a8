from django.apps import AppConfig


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = "Opportunities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers.panels import panel_register
        from opportunities.selectors import customer_opportunities

        panel_register(
            key="opportunities",
            template="opportunities/_customer_opportunities.html",
            context=customer_opportunities,
            order=20,
        )

        from opportunities.models import QuoteEmail
        from sms.outbox.registry import outbox_register

        outbox_register(
            model=QuoteEmail, build="opportunities.emails.quote_email_message"
        )
