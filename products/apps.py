from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "Products"

    def ready(self) -> None:
        from products.imports import IMPORT_KIND
        from sms.import_jobs import import_kind_register

        import_kind_register(IMPORT_KIND)
