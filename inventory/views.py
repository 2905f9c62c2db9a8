from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView
from django.views.generic.edit import FormView

from inventory.demand import demand_forecasts, forecast_reorder_quantity
from inventory.forms import (
    StockAdjustForm,
    StockReceiveForm,
    StockTransferForm,
    WarehouseForm,
)
from inventory.models import Warehouse
from inventory.selectors import (
    low_stock_alert_list,
    product_movements,
    product_stock_get,
    product_stock_items,
    stock_filter_form,
    stock_overview,
    suggested_reorder_quantity,
    warehouse_list,
    warehouse_totals,
)
from inventory.services import (
    InsufficientStock,
    low_stock_alerts_sync,
    stock_adjust,
    stock_receive,
    stock_transfer,
    warehouse_create,
    warehouse_set_active,
    warehouse_update,
)
from inventory.tables import MovementTable, StockOverviewTable
from products.models import Product
from sms.idempotency import PostOnceMixin
from sms.pagination import BoundedRequestConfig, BoundedTableMixin


class StockOverviewView(PermissionRequiredMixin, BoundedTableMixin, ListView):
    permission_required = "inventory.view_stockitem"
    table_class = StockOverviewTable
    template_name = "inventory/stock_overview.html"

    def get_queryset(self):
        self.warehouses = list(warehouse_list(user=self.request.user))
        self.demand = demand_forecasts()
        return stock_overview(
            user=self.request.user,
            warehouses=self.warehouses,
            filters=self.request.GET,
        )

    def get_table_kwargs(self):
        return {"warehouses": self.warehouses, "demand": self.demand}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = stock_filter_form(filters=self.request.GET)
        context["warehouses"] = self.warehouses
        # Any one forecast says which months and run the suggestions cover.
        context["demand_example"] = next(iter(self.demand.values()), None)
        return context


class ProductStockView(PermissionRequiredMixin, DetailView):
    """A product's stock per warehouse and its movement history."""

    permission_required = "inventory.view_stockmovement"
    template_name = "inventory/product_stock.html"
    context_object_name = "product"

    def get_object(self, queryset=None):
        try:
            return product_stock_get(user=self.request.user, pk=self.kwargs["pk"])
        except Product.DoesNotExist as exc:
            raise Http404(_("No such product.")) from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.object
        table = MovementTable(
            product_movements(user=self.request.user, product=product)
        )
        BoundedRequestConfig(self.request).configure(table)
        context["movements"] = table
        context["product_query"] = f"product={product.pk}"
        context["stock_items"] = product_stock_items(
            user=self.request.user, product=product
        )
        context["suggested"] = suggested_reorder_quantity(
            available=product.available_total,
            reorder_point=product.reorder_point,
            reorder_quantity=product.reorder_quantity,
        )
        context["is_low"] = (
            product.reorder_point > 0
            and product.available_total <= product.reorder_point
        )
        demand = demand_forecasts().get(product.pk)
        context["demand"] = demand
        if demand is not None:
            context["forecast_reorder"] = forecast_reorder_quantity(
                demand=demand, available=product.available_total
            )
        return context


class WarehouseListView(PermissionRequiredMixin, ListView):
    permission_required = "inventory.view_warehouse"
    template_name = "inventory/warehouse_list.html"
    context_object_name = "warehouses"

    def get_queryset(self):
        return warehouse_totals(user=self.request.user)


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class WarehouseCreateView(PermissionRequiredMixin, PostOnceMixin, FormView):
    permission_required = "inventory.add_warehouse"
    form_class = WarehouseForm
    template_name = "inventory/warehouse_form.html"
    extra_context = {"title": gettext_lazy("New warehouse")}

    def form_valid(self, form):
        try:
            warehouse = warehouse_create(**form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Warehouse %(code)s · %(name)s was added; it can take stock now.")
            % {"code": warehouse.code, "name": warehouse.name},
        )
        return redirect("inventory:warehouse-list")


class WarehouseUpdateView(PermissionRequiredMixin, FormView):
    permission_required = "inventory.change_warehouse"
    form_class = WarehouseForm
    template_name = "inventory/warehouse_form.html"

    @cached_property
    def warehouse(self) -> Warehouse:
        # Read after the permission check: a rep gets 403 whatever the pk.
        return get_object_or_404(Warehouse, pk=self.kwargs["pk"])

    def get_initial(self):
        w = self.warehouse
        return {"code": w.code, "name": w.name, "address": w.address}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Edit warehouse %(code)s") % {"code": self.warehouse.code}
        context["warehouse"] = self.warehouse
        return context

    def form_valid(self, form):
        try:
            warehouse = warehouse_update(warehouse=self.warehouse, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Warehouse %(code)s saved.") % {"code": warehouse.code}
        )
        return redirect("inventory:warehouse-list")


@require_POST
@permission_required("inventory.change_warehouse", raise_exception=True)
def warehouse_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Activate (``active=1``) or deactivate (``active=0``) a warehouse."""
    warehouse = get_object_or_404(Warehouse, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        warehouse = warehouse_set_active(warehouse=warehouse, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = (
            _("%(warehouse)s is active.") if active else _("%(warehouse)s is inactive.")
        )
        messages.success(request, text % {"warehouse": warehouse})
    return redirect("inventory:warehouse-list")


# Stock forms (managers) ---------------------------------------------------------------


class _StockFormView(PermissionRequiredMixin, PostOnceMixin, FormView):
    """A stock form: the service decides; its errors land on the form's fields."""

    template_name = "inventory/stock_form.html"
    title = ""
    intro = ""
    submit_label = ""
    insufficient_field = "quantity"

    def get_initial(self):
        initial = super().get_initial()
        for name in ("product", "warehouse", "from_warehouse"):
            value = self.request.GET.get(name)
            if value and value.isdigit():
                initial[name] = int(value)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.title, intro=self.intro, submit_label=self.submit_label
        )
        return context

    def form_valid(self, form):
        try:
            product, text = self.apply(form)
        except InsufficientStock as exc:
            form.add_error(self.insufficient_field, exc.messages)
            return self.form_invalid(form)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, text)
        return redirect("inventory:product-stock", pk=product.pk)

    def apply(self, form) -> tuple[Product, str]:
        raise NotImplementedError


class StockReceiveView(_StockFormView):
    permission_required = "inventory.receive_stock"
    form_class = StockReceiveForm
    title = gettext_lazy("Receive stock")
    intro = gettext_lazy("Goods arrived from a supplier: they are added to on hand.")
    submit_label = gettext_lazy("Receive")

    def apply(self, form):
        data = form.cleaned_data
        movement = stock_receive(
            product=data["product"],
            warehouse=data["warehouse"],
            quantity=data["quantity"],
            reference=data["reference"],
            note=data["note"],
            user=self.request.user,
        )
        return data["product"], _(
            "Received %(quantity)d of %(sku)s into %(warehouse)s; "
            "%(on_hand)d on hand there now."
        ) % {
            "quantity": movement.quantity,
            "sku": data["product"].sku,
            "warehouse": data["warehouse"],
            "on_hand": movement.on_hand_after,
        }


class StockAdjustView(_StockFormView):
    permission_required = "inventory.adjust_stock"
    form_class = StockAdjustForm
    title = gettext_lazy("Adjust stock")
    intro = gettext_lazy(
        "Correct on hand after a count, damage or loss. Reserved units cannot be "
        "removed: release them first."
    )
    submit_label = gettext_lazy("Adjust")

    def apply(self, form):
        data = form.cleaned_data
        movement = stock_adjust(
            product=data["product"],
            warehouse=data["warehouse"],
            quantity=form.signed_quantity(),
            reason=data["reason"],
            reference=data["reference"],
            user=self.request.user,
        )
        return data["product"], _(
            "Adjusted %(sku)s in %(warehouse)s by %(change)+d; "
            "%(on_hand)d on hand there now."
        ) % {
            "sku": data["product"].sku,
            "warehouse": data["warehouse"],
            "change": movement.on_hand_delta,
            "on_hand": movement.on_hand_after,
        }


class StockTransferView(_StockFormView):
    permission_required = "inventory.transfer_stock"
    form_class = StockTransferForm
    title = gettext_lazy("Transfer stock")
    intro = gettext_lazy("Move available units from one warehouse to another.")
    submit_label = gettext_lazy("Transfer")

    def apply(self, form):
        data = form.cleaned_data
        out, _in = stock_transfer(
            product=data["product"],
            from_warehouse=data["from_warehouse"],
            to_warehouse=data["to_warehouse"],
            quantity=data["quantity"],
            reference=data["reference"],
            note=data["note"],
            user=self.request.user,
        )
        return data["product"], _(
            "Moved %(quantity)d of %(sku)s from %(source)s to %(destination)s."
        ) % {
            "quantity": out.quantity,
            "sku": data["product"].sku,
            "source": data["from_warehouse"],
            "destination": data["to_warehouse"],
        }


# Low-stock alerts ---------------------------------------------------------------------


class LowStockAlertListView(PermissionRequiredMixin, ListView):
    permission_required = "inventory.view_lowstockalert"
    template_name = "inventory/alert_list.html"
    context_object_name = "alerts"
    paginate_by = 50

    def get_queryset(self):
        self.state = "closed" if self.request.GET.get("state") == "closed" else "open"
        return low_stock_alert_list(user=self.request.user, state=self.state)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for alert in context["alerts"]:
            alert.suggested = suggested_reorder_quantity(
                available=alert.available_now,
                reorder_point=alert.product.reorder_point,
                reorder_quantity=alert.product.reorder_quantity,
            )
        context["state"] = self.state
        return context


@require_POST
@permission_required("inventory.change_lowstockalert", raise_exception=True)
def low_stock_check_view(request: HttpRequest) -> HttpResponse:
    """Run the hourly low-stock check now (managers)."""
    result = low_stock_alerts_sync()
    messages.success(
        request,
        _("Checked %(checked)d products: %(opened)d new alert(s), %(closed)d closed.")
        % {
            "checked": result.checked,
            "opened": len(result.opened),
            "closed": len(result.closed),
        },
    )
    return redirect("inventory:alert-list")
