"""python manage.py import_orders FILE.csv [--dry-run] [--create-products] ...
(sms.import_command; the format: docs/import-formats.md, Orders)."""

from sms.import_command import ImportCommand


class Command(ImportCommand):
    declaration_key = "orders"
    integrity_hint = (
        "Some of these order numbers were written by someone else during the "
        "import; nothing was written. Run the import again: orders that exist now "
        "are skipped."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--create-products",
            action="store_true",
            help="Create the products whose SKU no product has, from the order "
            "lines (name: the product_name column, else the SKU; price: the line's).",
        )

    def options_of(self, options: dict) -> dict:
        return {"create_products": options["create_products"]}
