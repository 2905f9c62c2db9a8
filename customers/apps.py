from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from customers.importing import IMPORT_KIND
        from sms.import_jobs import import_kind_register

        import_kind_register(IMPORT_KIND)
