from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import fields, resources
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from products.imports import product_row_validate
from products.models import Category, Product
from products.services import (
    category_create,
    category_path_ensure,
    category_update,
    product_create,
    product_fields_of,
    product_update,
    sku_normalize,
)
from sms.concurrency import VersionedAdminMixin
from sms.exports import ExportNumberFormatsMixin, cell_safe
from sms.imports import RowError


class ProductResource(resources.ModelResource):
    """Admin import/export of products, with the same columns and per-row rules as
    ``import_products`` (products.imports.product_row_validate)."""

    category = fields.Field(attribute="category", column_name="category")
    active = fields.Field(attribute="is_active", column_name="active")

    class Meta:
        model = Product
        import_id_fields = ("sku",)
        fields = (
            "sku",
            "name",
            "category",
            "unit",
            "list_price",
            "cost",
            "tax_rate",
            "active",
            "reorder_point",
            "reorder_quantity",
            "description",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def export_field(self, field, instance, **kwargs):
        # Text a spreadsheet would run as a formula gets a leading apostrophe.
        return cell_safe(super().export_field(field, instance, **kwargs))

    def dehydrate_category(self, product: Product) -> str:
        return product.category.path if product.category_id else ""

    def dehydrate_active(self, product: Product) -> str:
        return "yes" if product.is_active else "no"

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("category__parent")

    def before_import_row(self, row, **kwargs):
        # The instance is looked up by SKU; SKUs are stored in upper case.
        if row.get("sku") is not None:
            row["sku"] = sku_normalize(str(row["sku"]))

    def import_instance(self, instance, row, **kwargs):
        values = {
            str(key).strip().lower(): "" if value is None else str(value).strip()
            for key, value in row.items()
        }
        try:
            cleaned = product_row_validate(values)
        except RowError as exc:
            raise ValidationError(
                {exc.column or NON_FIELD_ERRORS: exc.message}
            ) from exc
        instance.sku = cleaned.sku
        for name, value in cleaned.values().items():
            setattr(instance, name, value)
        # Inside the import's transaction: a dry run rolls a new category back.
        instance.category = category_path_ensure(path=cleaned.category_path)

    def save_instance(self, instance, is_create, row, **kwargs):
        user = kwargs.get("user")
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return
        fields_ = product_fields_of(instance)
        if is_create:
            saved = product_create(user=user, **fields_)
        else:
            saved = product_update(product=instance, user=user, **fields_)
        instance.pk = saved.pk


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "description")
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "parent__name", "description")
    list_select_related = ("parent",)
    ordering = ("parent__name", "name")

    def save_model(self, request, obj, form, change):
        data = {
            "name": obj.name,
            "parent": obj.parent,
            "description": obj.description,
        }
        saved = (
            category_update(category=obj, **data) if change else category_create(**data)
        )
        obj.pk = saved.pk


@admin.register(Product)
class ProductAdmin(
    VersionedAdminMixin,
    ExportNumberFormatsMixin,
    ImportExportModelAdmin,
    SimpleHistoryAdmin,
):
    resource_classes = [ProductResource]
    list_display = (
        "sku",
        "name",
        "category",
        "list_price",
        "cost",
        "margin",
        "is_active",
        "reorder_point",
    )
    list_filter = ("is_active", "unit", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("sku", "name", "description")
    list_select_related = ("category__parent",)
    readonly_fields = ("created_at", "updated_at")
    history_list_display = ("list_price", "cost")

    @admin.display(description="Margin")
    def margin(self, obj: Product) -> str:
        percent = obj.margin_percent
        return f"{obj.margin} ({percent} %)" if percent is not None else str(obj.margin)

    def save_model(self, request, obj, form, change):
        fields_ = product_fields_of(obj)
        if change:
            saved = product_update(product=obj, user=request.user, **fields_)
        else:
            saved = product_create(user=request.user, **fields_)
        obj.pk = saved.pk
