import io
import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET
from django.views.generic import CreateView, DetailView, ListView, UpdateView
from django.views.generic.edit import FormView
from django_tables2 import RequestConfig

from products.forms import CategoryForm, ProductForm, ProductImportForm
from products.imports import (
    COLUMNS,
    product_import_preview,
    products_csv_rows,
    products_import,
)
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
from sms.import_jobs import import_job_start, inline_max_rows
from sms.imports import ImportFileError, problems_csv
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


# Import -------------------------------------------------------------------------------
# An upload is kept under MEDIA_ROOT in a folder of its own user until it is imported
# or cancelled, so the preview and the confirmation read the same bytes and nobody
# else can reach it (another user's token is simply not found: 404).

TOKEN = re.compile(r"^[0-9a-f]{32}$")
MAX_PROBLEMS_SHOWN = 200


def _import_path(user, token: str) -> str:
    if not TOKEN.match(token):
        raise Http404
    return f"imports/products/{user.pk}/{token}.csv"


def _import_read(user, token: str) -> bytes:
    path = _import_path(user, token)
    if not default_storage.exists(path):
        raise Http404(_("This upload has expired or was already imported."))
    with default_storage.open(path, "rb") as handle:
        return handle.read()


class ProductImportView(PermissionRequiredMixin, FormView):
    permission_required = "products.import_product"
    form_class = ProductImportForm
    template_name = "products/product_import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = COLUMNS
        return context

    def form_valid(self, form):
        content = form.cleaned_data["file"].read()
        try:
            rows = products_csv_rows(file=io.BytesIO(content))
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        if len(rows) > inline_max_rows():
            # Too long for one request: checked and imported by a worker.
            job = import_job_start(
                kind="products",
                user=self.request.user,
                file=content,
                filename=form.cleaned_data["file"].name,
                rows=len(rows),
            )
            return redirect(job)
        token = uuid.uuid4().hex
        default_storage.save(
            _import_path(self.request.user, token), ContentFile(content)
        )
        return redirect("products:product-import-preview", token=token)


class ProductImportPreviewView(PermissionRequiredMixin, View):
    """GET: what the file would do (nothing is written). POST: import it."""

    permission_required = "products.import_product"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        rows = products_csv_rows(file=io.BytesIO(_import_read(request.user, token)))
        result = products_import(rows=rows, file=None, dry_run=True)
        return self._render(request, token=token, rows=rows, result=result)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        if "cancel" in request.POST:
            default_storage.delete(_import_path(request.user, token))
            messages.info(request, _("Import cancelled; nothing was written."))
            return redirect("products:product-import")
        rows = products_csv_rows(file=io.BytesIO(_import_read(request.user, token)))
        good_rows_only = request.POST.get("good_rows_only") == "1"
        result = products_import(
            rows=rows, file=None, user=request.user, good_rows_only=good_rows_only
        )
        if not result.written and result.problems:
            messages.error(
                request,
                _(
                    "Nothing was imported: %(bad)d row(s) have problems. Fix them, "
                    "or choose to import only the good rows."
                )
                % {"bad": result.rows - result.good_rows},
            )
            return self._render(request, token=token, rows=rows, result=result)
        default_storage.delete(_import_path(request.user, token))
        skipped = result.rows - result.good_rows
        unchanged = result.good_rows - result.created - result.updated
        messages.success(
            request,
            _(
                "Import done: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged, %(skipped)d bad row(s) skipped."
            )
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": max(unchanged, 0),
                "skipped": skipped,
            },
        )
        return redirect("products:product-list")

    def _render(self, request, *, token, rows, result) -> HttpResponse:
        lines_with_problems = sorted({p.line for p in result.problems})
        return render(
            request,
            "products/product_import_preview.html",
            {
                "token": token,
                "result": result,
                "bad_rows": len(lines_with_problems),
                "problems": result.problems[:MAX_PROBLEMS_SHOWN],
                "problems_hidden": max(len(result.problems) - MAX_PROBLEMS_SHOWN, 0),
                "preview": product_import_preview(result=result, rows=rows),
            },
        )


@require_GET
@permission_required("products.import_product", raise_exception=True)
def product_import_problems_view(request: HttpRequest, token: str) -> HttpResponse:
    """The bad rows of an upload as CSV, with their line number and reason."""
    rows = products_csv_rows(file=io.BytesIO(_import_read(request.user, token)))
    result = products_import(rows=rows, file=None, dry_run=True)
    columns = list(rows[0][1]) if rows else list(COLUMNS)
    response = HttpResponse(
        "\ufeff" + problems_csv(result=result, columns=columns),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="products-problems.csv"'
    return response


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
