"""Order forms. The header form and the line formset only parse input; the amounts
and every rule are checked again by orders.services when they are saved."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.lookup import CustomerLookupField
from customers.selectors import owner_choices
from inventory.models import Warehouse
from orders.models import Payment
from orders.services import LineInput
from products.models import Product
from sms.concurrency import version_field
from sms.roles import user_is_manager
from sms.widgets import DateInput

PRODUCT_SEPARATOR = " · "


class ProductLookupField(forms.CharField):
    """A product by SKU (any case), by "SKU · name" as the list offers it, or by a
    name that matches exactly one active product."""

    def prepare_value(self, value):
        if isinstance(value, Product):
            return f"{value.sku}{PRODUCT_SEPARATOR}{value.name}"
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        text = text.strip()
        sku = text.split(PRODUCT_SEPARATOR, 1)[0].strip()
        active = Product.objects.active()
        product = active.filter(sku__iexact=sku).first()
        if product is not None:
            return product
        found = list(active.filter(name__icontains=text)[:2])
        if len(found) == 1:
            return found[0]
        if found:
            raise ValidationError(f"Several products match “{text}”; pick one.")
        raise ValidationError(f"No active product with SKU or name “{text}”.")


# The due date (order date + payment terms) and the reports' periods around an order
# must exist in the calendar: 9999-12-31 made confirming the order a 500.
ORDER_DATE_RANGE = (date(1970, 1, 1), date(2999, 12, 31))


def _order_date_in_range(value: date) -> None:
    first, last = ORDER_DATE_RANGE
    if not first <= value <= last:
        raise ValidationError(
            "Choose a date from %(first)s to %(last)s.",
            params={"first": first.isoformat(), "last": last.isoformat()},
        )


class OrderForm(forms.Form):
    customer = CustomerLookupField(
        label="Customer",
        widget=forms.TextInput(
            attrs={"list": "customer-options", "autocomplete": "off"}
        ),
        help_text="Type a name and pick from the list.",
    )
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True), empty_label=None
    )
    owner = forms.ModelChoiceField(
        queryset=owner_choices().none(),
        label="Sales rep",
        required=False,
        empty_label="The customer's owner",
    )
    order_date = forms.DateField(
        initial=timezone.localdate,
        widget=DateInput(),
        validators=[_order_date_in_range],
    )
    discount_percent = forms.DecimalField(
        label="Order discount (%)",
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        initial=Decimal("0"),
    )
    shipping_charge = forms.DecimalField(
        min_value=Decimal("0"), decimal_places=2, initial=Decimal("0.00")
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    # Set when editing: the order's version the form was read at.
    version = version_field()

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user
        if editing:
            # The customer of an order never changes; cancel and re-create instead.
            del self.fields["customer"]
        if user_is_manager(user):
            self.fields["owner"].queryset = owner_choices()
        else:
            del self.fields["owner"]


class LineForm(forms.Form):
    product = ProductLookupField(
        required=False,
        widget=forms.TextInput(
            attrs={
                "list": "product-options",
                "autocomplete": "off",
                "placeholder": "SKU or name",
                "data-line": "product",
            }
        ),
    )
    quantity = forms.IntegerField(
        min_value=1,
        required=False,
        widget=forms.NumberInput(attrs={"data-line": "quantity", "min": 1}),
    )
    unit_price = forms.DecimalField(
        min_value=Decimal("0"),
        decimal_places=4,
        required=False,
        help_text="Blank: the list price.",
        widget=forms.NumberInput(
            attrs={"data-line": "unit_price", "step": "0.0001", "min": 0}
        ),
    )
    discount_percent = forms.DecimalField(
        label="Discount (%)",
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(
            attrs={"data-line": "discount_percent", "step": "0.01", "min": 0}
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("product") and not data.get("quantity"):
            self.add_error("quantity", "Enter a quantity.")
        if data.get("quantity") and not data.get("product") and not self.errors:
            self.add_error("product", "Pick a product.")
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        filled = [
            form
            for form in self.forms
            if form.cleaned_data.get("product") and not form.cleaned_data.get("DELETE")
        ]
        if not filled:
            raise ValidationError("Add at least one line.")

    def line_inputs(self) -> list[LineInput]:
        """The filled lines not marked for removal, as the services take them."""
        return [
            LineInput(
                product=data["product"],
                quantity=data["quantity"],
                unit_price=data.get("unit_price"),
                discount_percent=data.get("discount_percent") or 0,
            )
            for data in (form.cleaned_data for form in self.forms)
            if data.get("product") and not data.get("DELETE")
        ]


def line_initial(lines) -> list[dict]:
    """Saved lines (an order's or a quote's) as the formset's first rows."""
    return [
        {
            "product": line.product,
            "quantity": line.quantity,
            "unit_price": line.unit_price.normalize(),
            "discount_percent": line.discount_percent,
        }
        for line in lines
    ]


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=2, can_delete=True, min_num=1
)


class ShipmentForm(forms.Form):
    shipped_on = forms.DateField(initial=timezone.localdate, widget=DateInput())
    carrier = forms.CharField(max_length=100, required=False)
    tracking_number = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line.quantity_open > 0]
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku} · {line.description}",
                min_value=0,
                max_value=line.quantity_open,
                initial=line.quantity_open,
                help_text=f"{line.quantity_open} of {line.quantity} still to ship",
            )

    def line_fields(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0
            for line in self.lines
        }


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ["amount", "paid_on", "method", "reference"]
        widgets = {"paid_on": DateInput()}

    def __init__(self, *args, limit: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].min_value = Decimal("0.01")
        self.fields["amount"].widget.attrs.update(
            {"min": "0.01", "max": str(limit), "step": "0.01"}
        )
        self.fields["amount"].help_text = f"At most {limit}."
        self.limit = limit

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise ValidationError("The amount must be positive.")
        if amount is not None and amount > self.limit:
            raise ValidationError(f"At most {self.limit}.")
        return amount


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)
