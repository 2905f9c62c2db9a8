from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import CreateView, DetailView, ListView, UpdateView
from django_tables2 import RequestConfig

from products.forms import CategoryForm, ProductForm
from products.models import Product
from products.selectors import (
    category_list,
    category_tree,
    product_filter_form,
    product_get,
    product_list,
)
from products.services import (
    category_create,
    category_update,
    product_create,
    product_price_history,
    product_update,
)
from products.tables import ProductTable
from sms.concurrency import StaleEdit, stale_edit_show
from sms.exports import table_export_response
from sms.idempotency import PostOnceMixin
from sms.pagination import BoundedTableMixin

EXPORT_HEADERS = [
    "sku",
    "name",
    "category",
    "unit",
    "list_price",
    "cost",
    "margin",
    "margin_percent",
    "tax_rate",
    "active",
    "reorder_point",
    "reorder_quantity",
    "description",
]
EXPORT_KINDS = {
    **dict.fromkeys(("list_price", "cost", "margin"), "money"),
    "margin_percent": "percent",
    # The tax rate is a percentage kept to two decimals (20.00, 5.50).
    "tax_rate": "decimal",
    **dict.fromkeys(("reorder_point", "reorder_quantity"), "int"),
}


def _service_errors_to_form(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# Products -----------------------------------------------------------------------------


class ProductListView(PermissionRequiredMixin, BoundedTableMixin, ListView):
    permission_required = "products.view_product"
    table_class = ProductTable
    template_name = "products/product_list.html"

    def get_queryset(self):
        return product_list(user=self.request.user, filters=self.request.GET)

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt:
            return self.export(fmt=fmt)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = product_filter_form(filters=self.request.GET)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["export_query"] = query.urlencode()
        return context

    def export(self, *, fmt: str) -> HttpResponse:
        """The filtered list in its current sort order, every row (no pagination)."""
        table = self.table_class(self.get_queryset())
        RequestConfig(self.request, paginate=False).configure(table)
        queryset = table.data.data
        rows = (
            [
                product.sku,
                product.name,
                product.category.path,
                product.unit,
                product.list_price,
                product.cost,
                product.margin,
                product.margin_percent,
                product.tax_rate,
                "yes" if product.is_active else "no",
                product.reorder_point,
                product.reorder_quantity,
                product.description,
            ]
            for product in queryset.iterator(chunk_size=2000)
        )
        return table_export_response(
            filename="products",
            fmt=fmt,
            headers=EXPORT_HEADERS,
            rows=rows,
            kinds=EXPORT_KINDS,
        )


class ProductDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "products.view_product"
    template_name = "products/product_detail.html"

    def get_object(self, queryset=None):
        try:
            return product_get(user=self.request.user, pk=self.kwargs["pk"])
        except Product.DoesNotExist as exc:
            raise Http404(_("No such product.")) from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["price_history"] = product_price_history(product=self.object)
        return context


class ProductCreateView(PermissionRequiredMixin, PostOnceMixin, CreateView):
    permission_required = "products.add_product"
    form_class = ProductForm
    template_name = "products/product_form.html"

    def form_valid(self, form):
        try:
            self.object = product_create(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            _service_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Product %(sku)s created.") % {"sku": self.object.sku}
        )
        return redirect(self.object)


class ProductUpdateView(PermissionRequiredMixin, UpdateView):
    permission_required = "products.change_product"
    form_class = ProductForm
    template_name = "products/product_form.html"

    def get_object(self, queryset=None):
        try:
            return product_get(user=self.request.user, pk=self.kwargs["pk"])
        except Product.DoesNotExist as exc:
            raise Http404(_("No such product.")) from exc

    def form_valid(self, form):
        try:
            self.object = product_update(
                product=self.object, user=self.request.user, **form.cleaned_data
            )
        except StaleEdit as exc:
            stale_edit_show(form, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            _service_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Product %(sku)s saved.") % {"sku": self.object.sku}
        )
        return redirect(self.object)


# Categories ---------------------------------------------------------------------------


class CategoryListView(PermissionRequiredMixin, ListView):
    permission_required = "products.view_category"
    template_name = "products/category_list.html"

    def get_queryset(self):
        return category_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tree"] = category_tree(user=self.request.user)
        return context


class CategoryCreateView(PermissionRequiredMixin, PostOnceMixin, CreateView):
    permission_required = "products.add_category"
    form_class = CategoryForm
    template_name = "products/category_form.html"
    success_url = reverse_lazy("products:category-list")

    def form_valid(self, form):
        try:
            self.object = category_create(
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            _service_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Category %(name)s created.") % {"name": self.object.path}
        )
        return redirect(self.success_url)


class CategoryUpdateView(PermissionRequiredMixin, UpdateView):
    permission_required = "products.change_category"
    form_class = CategoryForm
    template_name = "products/category_form.html"
    success_url = reverse_lazy("products:category-list")

    def get_queryset(self):
        return category_list(user=self.request.user)

    def form_valid(self, form):
        try:
            self.object = category_update(
                category=self.object,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            _service_errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Category %(name)s saved.") % {"name": self.object.path}
        )
        return redirect(self.success_url)


# Import: the pages are sms.views_imports; this is the example file they link.


@require_GET
@permission_required("products.import_product", raise_exception=True)
def product_import_example_view(request: HttpRequest) -> FileResponse:
    path = settings.BASE_DIR / "docs" / "examples" / "products.csv"
    if not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename="products-example.csv",
        content_type="text/csv; charset=utf-8",
    )
