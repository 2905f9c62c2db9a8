from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from customers.importing import DECLARATION
        from sms.import_pipeline import import_register

        import_register(DECLARATION)
