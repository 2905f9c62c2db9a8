"""python manage.py import_customers FILE.csv [--dry-run] [--owner USER] [--errors FILE]
(sms.import_command; the format: docs/import-formats.md, Customers)."""

from sms.import_command import ImportCommand


class Command(ImportCommand):
    declaration_key = "customers"
