import django_tables2 as tables
from django.utils.html import format_html_join

from customers.models import Customer
from sms.tables import OwnerColumn


class CustomerTable(tables.Table):
    # Named like the reassign form's field, so the form works without JavaScript.
    customers = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"data-select-all": "customers", "aria-label": "Select all"}
        },
    )
    name = tables.Column(linkify=True)
    kind = tables.Column()
    city = tables.Column()
    region = tables.Column()
    industry = tables.Column()
    source_channel = tables.Column(verbose_name="Channel")
    owner = OwnerColumn()
    tags = tables.Column(empty_values=(), orderable=False)
    created_at = tables.DateColumn(verbose_name="Created", format="Y-m-d")

    class Meta:
        model = Customer
        fields = ()
        sequence = (
            "customers",
            "name",
            "kind",
            "city",
            "region",
            "industry",
            "source_channel",
            "owner",
            "tags",
            "created_at",
        )
        attrs = {"class": "table table-hover table-sm align-middle"}
        row_attrs = {"class": lambda record: "" if record.is_active else "text-muted"}
        empty_text = "No customers match. Clear the filters or add a customer."

    def __init__(self, *args, selectable=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not selectable:
            self.columns.hide("customers")

    def render_tags(self, record):
        # tags are prefetched by the selector: no query per row.
        return format_html_join(
            " ",
            '<span class="badge text-bg-light border">{}</span>',
            ((t.name,) for t in record.tags.all()),
        )
