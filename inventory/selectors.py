"""Reads of stock, the ledger and alerts. Every role sees all stock (no row scoping):
reps need it to promise delivery dates."""

from collections.abc import Mapping, Sequence

import django_filters
from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from inventory.models import LowStockAlert, StockItem, StockMovement, Warehouse
from products.models import Product
from products.selectors import CatalogueFilter


def suggested_reorder_quantity(
    *, available: int, reorder_point: int, reorder_quantity: int
) -> int:
    """What to order to get back above the reorder point with a usual order's
    margin: the reorder quantity plus however far available is below the point."""
    return max(reorder_point - available, 0) + reorder_quantity


def _totals(queryset: QuerySet[Product]) -> QuerySet[Product]:
    zero = Value(0)
    return queryset.annotate(
        on_hand_total=Coalesce(Sum("stock_items__on_hand"), zero),
        reserved_total=Coalesce(Sum("stock_items__reserved"), zero),
    ).annotate(available_total=F("on_hand_total") - F("reserved_total"))


def product_available_totals(*, products: QuerySet[Product]) -> list[dict]:
    """pk, reorder point and on hand / reserved / available over all warehouses."""
    return list(
        products.order_by()
        .values("pk", "reorder_point")
        .annotate(
            on_hand_total=Coalesce(Sum("stock_items__on_hand"), Value(0)),
            reserved_total=Coalesce(Sum("stock_items__reserved"), Value(0)),
        )
        .annotate(available_total=F("on_hand_total") - F("reserved_total"))
        .order_by("pk")
    )


def warehouse_list(*, user: AbstractBaseUser, active_only: bool = True):
    warehouses = Warehouse.objects.order_by("code")
    return warehouses.filter(is_active=True) if active_only else warehouses


def warehouses_to_fill(*, needs: Mapping[int, int]) -> list[Warehouse]:
    """The active warehouses (by code), each with ``fillable``: how many of the
    units in ``needs`` (product id -> quantity) its available stock covers now."""
    warehouses = list(Warehouse.objects.filter(is_active=True).order_by("code"))
    fillable = dict.fromkeys((w.pk for w in warehouses), 0)
    items = StockItem.objects.filter(
        product_id__in=list(needs), warehouse_id__in=list(fillable)
    ).values_list("warehouse_id", "product_id", "on_hand", "reserved")
    for warehouse_id, product_id, on_hand, reserved in items:
        fillable[warehouse_id] += max(0, min(needs[product_id], on_hand - reserved))
    for warehouse in warehouses:
        warehouse.fillable = fillable[warehouse.pk]
    return warehouses


def warehouse_totals(*, user: AbstractBaseUser) -> QuerySet[Warehouse]:
    zero = Value(0)
    return Warehouse.objects.annotate(
        on_hand_total=Coalesce(Sum("stock_items__on_hand"), zero),
        reserved_total=Coalesce(Sum("stock_items__reserved"), zero),
    ).order_by("code")


# Stock overview -----------------------------------------------------------------------


class StockFilter(CatalogueFilter):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("SKU or name")}),
    )
    low = django_filters.BooleanFilter(
        method="below_reorder_point",
        label=_("At or below reorder point only"),
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Product
        fields = ["q", "category", "low"]

    def below_reorder_point(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            reorder_point__gt=0, available_total__lte=F("reorder_point")
        )


def stock_overview(
    *,
    user: AbstractBaseUser,
    warehouses: Sequence[Warehouse],
    filters: Mapping | None = None,
) -> QuerySet[Product]:
    """Active products with totals over all warehouses and, for each of
    ``warehouses``, ``wh<pk>_on_hand`` and ``wh<pk>_reserved``. One query per page,
    however many warehouses there are."""
    # Inactive products are listed while they still hold stock (to sell or write off).
    holds_stock = Exists(
        StockItem.objects.filter(product_id=OuterRef("pk"), on_hand__gt=0)
    )
    queryset = _totals(
        Product.objects.filter(Q(is_active=True) | holds_stock).select_related(
            "category__parent"
        )
    )
    per_warehouse = {}
    for warehouse in warehouses:
        here = Q(stock_items__warehouse_id=warehouse.pk)
        per_warehouse[f"wh{warehouse.pk}_on_hand"] = Coalesce(
            Sum("stock_items__on_hand", filter=here), Value(0)
        )
        per_warehouse[f"wh{warehouse.pk}_reserved"] = Coalesce(
            Sum("stock_items__reserved", filter=here), Value(0)
        )
    queryset = queryset.annotate(
        **per_warehouse,
        is_low=Case(
            When(
                Q(reorder_point__gt=0) & Q(available_total__lte=F("reorder_point")),
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        ),
    ).order_by("sku")
    return StockFilter(filters or {}, queryset=queryset).qs


def stock_filter_form(*, filters: Mapping | None = None) -> forms.Form:
    return StockFilter(filters or {}, queryset=Product.objects.none()).form


# One product --------------------------------------------------------------------------


def product_stock_get(*, user: AbstractBaseUser, pk: int) -> Product:
    """The product with its totals; raises Product.DoesNotExist."""
    return _totals(Product.objects.select_related("category__parent")).get(pk=pk)


def product_stock_items(*, user: AbstractBaseUser, product: Product) -> list[StockItem]:
    return list(
        StockItem.objects.filter(product=product)
        .select_related("warehouse")
        .order_by("warehouse__code")
    )


def product_movements(
    *, user: AbstractBaseUser, product: Product
) -> QuerySet[StockMovement]:
    """The product's ledger, newest first, with ``total_on_hand_after``: the running
    on-hand balance over all warehouses (the row's own balance is on_hand_after)."""
    return (
        StockMovement.objects.filter(product=product)
        .select_related("warehouse", "other_warehouse", "user")
        .annotate(
            total_on_hand_after=Window(
                Sum("on_hand_delta"),
                partition_by=[F("product_id")],
                order_by=F("id").asc(),
            )
        )
        .order_by("-id")
    )


# Alerts -------------------------------------------------------------------------------


def low_stock_alert_list(
    *, user: AbstractBaseUser, state: str = "open"
) -> QuerySet[LowStockAlert]:
    """Alerts (open, or closed) with the product's available quantity now."""
    available = (
        StockItem.objects.filter(product_id=OuterRef("product_id"))
        .order_by()
        .values("product_id")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
        .values("total")
    )
    alerts = LowStockAlert.objects.select_related("product__category__parent").annotate(
        available_now=Coalesce(Subquery(available), Value(0))
    )
    if state == "closed":
        return alerts.filter(closed_at__isnull=False).order_by("-closed_at")
    return alerts.open().order_by("opened_at")


def low_stock_alert_open_count() -> int:
    return LowStockAlert.objects.open().count()


def product_stock_annotate(*, products: QuerySet[Product]) -> QuerySet[Product]:
    """``products`` with on_hand_total, reserved_total and available_total over all
    warehouses, as correlated subqueries rather than a join: the queryset keeps one
    row per product, so callers can add other subqueries, filter, order and slice
    without a GROUP BY over every selected column."""

    def total(field: str) -> Coalesce:
        per_product = (
            StockItem.objects.filter(product_id=OuterRef("pk"))
            .order_by()
            .values("product_id")
            .annotate(total=Sum(field))
            .values("total")
        )
        return Coalesce(Subquery(per_product, output_field=IntegerField()), Value(0))

    return products.annotate(
        on_hand_total=total("on_hand"), reserved_total=total("reserved")
    ).annotate(available_total=F("on_hand_total") - F("reserved_total"))
