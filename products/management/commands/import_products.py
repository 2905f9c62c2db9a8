"""python manage.py import_products FILE.csv [--dry-run] [--errors FILE]
(sms.import_command; the format: docs/import-formats.md, Products)."""

from sms.import_command import ImportCommand


class Command(ImportCommand):
    declaration_key = "products"
