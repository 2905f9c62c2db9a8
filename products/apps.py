from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "Products"

    def ready(self) -> None:
        from products.imports import DECLARATION
        from sms.import_pipeline import import_register

        import_register(DECLARATION)
