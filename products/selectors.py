"""Reads of the catalogue. Every role sees the whole catalogue (no row scoping)."""

from collections.abc import Mapping

import django_filters
from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import NullIf
from django.utils.translation import gettext_lazy as _

from products.models import Category, Product


class CatalogueFilter(django_filters.FilterSet):
    """Filters of a list of products: every word of the search box in one of
    ``search_fields``, and a category (a parent takes its children's products)."""

    search_fields: tuple[str, ...] = ("sku", "name")

    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.select_related("parent").order_by(
            "parent__name", "name"
        ),
        method="in_category",
        label=_("Category"),
        empty_label=_("All categories"),
    )

    def search(self, queryset, name, value):
        for word in value.split():
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset

    def in_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))


class ProductFilter(CatalogueFilter):
    search_fields = ("sku", "name", "description")

    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("SKU, name or description")}),
    )
    status = django_filters.ChoiceFilter(
        choices=(("active", _("Active")), ("inactive", _("Inactive"))),
        method="by_status",
        label=_("Status"),
        empty_label=_("Active and inactive"),
    )
    unit = django_filters.ChoiceFilter(
        choices=Product.Unit.choices, label=_("Unit"), empty_label=_("All units")
    )

    class Meta:
        model = Product
        fields = ["q", "category", "status", "unit"]

    def by_status(self, queryset, name, value):
        return queryset.filter(is_active=value == "active")


def product_list(
    *, user: AbstractBaseUser, filters: Mapping | None = None
) -> QuerySet[Product]:
    """Products matching the list page's filters, with the margin for sorting."""
    queryset = (
        Product.objects.select_related("category__parent")
        .annotate(
            margin_amount=ExpressionWrapper(
                F("list_price") - F("cost"),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            margin_ratio=ExpressionWrapper(
                (F("list_price") - F("cost")) / NullIf(F("list_price"), 0),
                output_field=DecimalField(max_digits=14, decimal_places=6),
            ),
        )
        .order_by("sku")
    )
    return ProductFilter(filters or {}, queryset=queryset).qs


def product_filter_form(*, filters: Mapping | None = None) -> forms.Form:
    return ProductFilter(filters or {}, queryset=Product.objects.none()).form


def product_get(*, user: AbstractBaseUser, pk: int) -> Product:
    """One product for its page; raises Product.DoesNotExist."""
    return Product.objects.select_related("category__parent").get(pk=pk)


def category_list(*, user: AbstractBaseUser) -> QuerySet[Category]:
    """Categories in tree order (each parent followed by its children)."""
    return (
        Category.objects.select_related("parent")
        .annotate(product_count=Count("products"))
        .order_by("parent__name", "name")
    )


def category_tree(*, user: AbstractBaseUser) -> list[tuple[Category, list[Category]]]:
    """Top-level categories, each with its children; product counts included."""
    categories = list(category_list(user=user))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    tops = sorted(
        (c for c in categories if not c.parent_id), key=lambda c: c.name.lower()
    )
    return [
        (top, sorted(children.get(top.pk, []), key=lambda c: c.name.lower()))
        for top in tops
    ]
