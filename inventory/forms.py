from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Warehouse
from products.models import Product


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.sku} · {obj.name}"


def _products(*, active_only: bool = True):
    products = Product.objects.order_by("sku")
    return products.filter(is_active=True) if active_only else products


def _warehouses():
    return Warehouse.objects.filter(is_active=True).order_by("code")


class StockReceiveForm(forms.Form):
    product = ProductChoiceField(queryset=_products(), label=_("Product"))
    warehouse = forms.ModelChoiceField(queryset=_warehouses(), label=_("Warehouse"))
    quantity = forms.IntegerField(
        label=_("Quantity received"),
        min_value=1,
        max_value=10_000_000,
        error_messages={"min_value": _("Enter a quantity greater than zero.")},
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("Delivery note or purchase order number."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class StockAdjustForm(forms.Form):
    ADD = "add"
    REMOVE = "remove"

    product = ProductChoiceField(
        queryset=_products(active_only=False), label=_("Product")
    )
    warehouse = forms.ModelChoiceField(queryset=_warehouses(), label=_("Warehouse"))
    direction = forms.ChoiceField(
        label=_("Change"),
        choices=((ADD, _("Add to stock")), (REMOVE, _("Remove from stock"))),
        widget=forms.RadioSelect,
        initial=REMOVE,
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=10_000_000,
        error_messages={"min_value": _("Enter a quantity greater than zero.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: stock count, damaged in storage, found."),
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def signed_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        return -quantity if self.cleaned_data["direction"] == self.REMOVE else quantity


class StockTransferForm(forms.Form):
    product = ProductChoiceField(
        queryset=_products(active_only=False), label=_("Product")
    )
    from_warehouse = forms.ModelChoiceField(queryset=_warehouses(), label=_("From"))
    to_warehouse = forms.ModelChoiceField(queryset=_warehouses(), label=_("To"))
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=10_000_000,
        error_messages={"min_value": _("Enter a quantity greater than zero.")},
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        source, destination = cleaned.get("from_warehouse"), cleaned.get("to_warehouse")
        if source and destination and source == destination:
            self.add_error("to_warehouse", _("Pick a warehouse other than the source."))
        return cleaned


class WarehouseForm(forms.Form):
    """Code, name and address; inventory.services checks and saves them."""

    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_(
            "Short and unique, for example MAIN or EAST-2 (stored upper-case)."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
