from django import forms
from django.utils.translation import gettext_lazy as _

from products.models import Category, Product
from products.services import sku_normalize
from sms.concurrency import VersionedEditMixin, version_field


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.path


class ProductForm(VersionedEditMixin, forms.ModelForm):
    category = CategoryChoiceField(
        queryset=Category.objects.select_related("parent").order_by(
            "parent__name", "name"
        ),
        label=_("Category"),
    )
    version = version_field()

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "category",
            "unit",
            "list_price",
            "cost",
            "tax_rate",
            "reorder_point",
            "reorder_quantity",
            "is_active",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_sku(self) -> str:
        return sku_normalize(self.cleaned_data["sku"])


class CategoryForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        queryset=Category.objects.filter(parent__isnull=True).order_by("name"),
        required=False,
        label=_("Parent category"),
        help_text=_("Leave empty for a top-level category. Two levels at most."),
    )

    class Meta:
        model = Category
        fields = ["name", "parent", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(
                pk=self.instance.pk
            )
