"""django-import-export resource for customers (admin import and export).

Imports apply exactly the rules of customers.importing (the same validator and the
same writes through customers.services), matching existing customers on
external_ref. Exports use the import's columns, so an export can be edited and
imported again; text a spreadsheet would run as a formula is escaped (and the
import undoes that escaping).
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from import_export import fields, resources

from customers.importing import (
    COLUMNS,
    REQUIRED_COLUMNS,
    CustomerRowValidator,
    customer_row_write,
)
from customers.models import Customer, Tag
from sms.exports import cell_safe
from sms.imports import ImportFileError


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets hand whole numbers over as floats
    return str(value).strip()


class CustomerResource(resources.ModelResource):
    owner = fields.Field(column_name="owner")
    tags = fields.Field(column_name="tags")

    class Meta:
        model = Customer
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("external_ref",)
        clean_model_instances = False  # the validator runs the model's checks too

    # -- import -----------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        dataset.headers = [_text(h).lower() for h in dataset.headers or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in dataset.headers]
        if missing:
            raise ImportFileError("Missing column(s): " + ", ".join(missing) + ".")
        unknown = [h for h in dataset.headers if h and h not in COLUMNS]
        if unknown:
            raise ImportFileError(
                "Unknown column(s): "
                + ", ".join(unknown)
                + ". Expected: "
                + ", ".join(COLUMNS)
                + "."
            )
        if "external_ref" not in dataset.headers:
            # Matching needs the column; without it every row creates a customer.
            dataset.append_col([""] * len(dataset), header="external_ref")
        user = kwargs.get("user")
        self._validator = CustomerRowValidator(
            rows=[
                self._values(dict(zip(dataset.headers, r, strict=False)))
                for r in dataset
            ],
            default_owner=user,
            imported_by=user,
        )

    @staticmethod
    def _values(row) -> dict[str, str]:
        return {k: _text(v) for k, v in row.items() if k}

    def get_instance(self, instance_loader, row):
        ref = _text(row.get("external_ref"))
        if not ref:
            return None  # a blank reference never matches: the row creates
        return Customer.objects.filter(external_ref=ref).first()

    def import_instance(self, instance, row, **kwargs):
        # The header is line 1, as on the import page and in the command.
        line = kwargs.get("row_number", 0) + 1
        try:
            instance._import_row = self._validator.validate(
                self._values(row), line=line
            )
        except ValidationError as exc:
            raise ValidationError(
                {
                    (column if column in COLUMNS else "__all__"): messages
                    for column, messages in exc.message_dict.items()
                }
            ) from exc

    def do_instance_save(self, instance, is_create):
        customer, _created = customer_row_write(row=instance._import_row)
        instance.pk = customer.pk
        instance.refresh_from_db()

    def save_m2m(self, instance, row, **kwargs):
        """Tags are written with the customer (customer_row_write)."""

    # -- export -----------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("owner").prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name"))
        )

    def dehydrate_owner(self, customer: Customer) -> str:
        return customer.owner.get_username()

    def dehydrate_tags(self, customer: Customer) -> str:
        return ", ".join(tag.name for tag in customer.tags.all())

    def export_field(self, field, instance, **kwargs):
        return cell_safe(super().export_field(field, instance, **kwargs))
