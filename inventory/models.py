"""Warehouses, stock per (product, warehouse), the stock ledger and low-stock alerts.

Stock rows are written only by inventory.services (see its docstring for the rules);
the database backs the rules with CHECK constraints.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive warehouses take no stock.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return self.name


class StockItem(models.Model):
    """What one warehouse holds of one product. available = on_hand - reserved."""

    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="stock_items",
    )
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="stock_items",
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["product", "warehouse"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"],
                name="stockitem_unique_product_warehouse",
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0), name="stockitem_on_hand_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stockitem_reserved_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")),
                name="stockitem_reserved_lte_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.warehouse_id}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """One change of one stock row: the ledger. Rows are never changed or deleted.

    ``quantity`` is the size of the change (always positive); ``on_hand_delta`` and
    ``reserved_delta`` are the signed changes it made, fixed by its kind (a CHECK
    constraint enforces the table in inventory.services). ``on_hand_after`` and
    ``reserved_after`` are the row's values right after it: the running balance.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        SHIPMENT = "shipment", _("Shipment")
        ADJUSTMENT = "adjustment", _("Adjustment")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        RETURN = "return", _("Return")
        RESERVATION = "reservation", _("Reservation")
        RELEASE = "release", _("Release")

    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    on_hand_delta = models.IntegerField(_("on-hand change"))
    reserved_delta = models.IntegerField(_("reserved change"))
    on_hand_after = models.IntegerField(_("on hand after"))
    reserved_after = models.IntegerField(_("reserved after"))
    other_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("other warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For transfers: where the stock went to or came from."),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("An order number, delivery note or other document."),
    )
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        permissions = [
            ("receive_stock", _("Can receive stock")),
            ("adjust_stock", _("Can adjust stock")),
            ("transfer_stock", _("Can transfer stock between warehouses")),
        ]
        indexes = [
            models.Index(fields=["product", "id"], name="stockmove_product_id_idx"),
            models.Index(
                fields=["source_type", "source_id"], name="stockmove_source_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="stockmovement_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=0, reserved_after__gte=0)
                & Q(reserved_after__lte=F("on_hand_after")),
                name="stockmovement_balances_valid",
            ),
            # The deltas each kind makes (the table in inventory.services).
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=["receipt", "return", "transfer_in"],
                        on_hand_delta=F("quantity"),
                        reserved_delta=0,
                    )
                    | Q(
                        kind="transfer_out",
                        on_hand_delta=-F("quantity"),
                        reserved_delta=0,
                    )
                    | Q(
                        kind="adjustment",
                        on_hand_delta=F("quantity"),
                        reserved_delta=0,
                    )
                    | Q(
                        kind="adjustment",
                        on_hand_delta=-F("quantity"),
                        reserved_delta=0,
                    )
                    | Q(
                        kind="shipment",
                        on_hand_delta=-F("quantity"),
                        reserved_delta=-F("quantity"),
                    )
                    | Q(
                        kind="shipment",
                        on_hand_delta=-F("quantity"),
                        reserved_delta=0,
                    )
                    | Q(
                        kind="reservation",
                        on_hand_delta=0,
                        reserved_delta=F("quantity"),
                    )
                    | Q(kind="release", on_hand_delta=0, reserved_delta=-F("quantity"))
                ),
                name="stockmovement_deltas_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} of {self.product_id}"

    @property
    def signed_quantity(self) -> int:
        """The change to on hand, or to reserved for reservations and releases."""
        return self.on_hand_delta or self.reserved_delta


class LowStockAlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)


class LowStockAlert(models.Model):
    """A product at or below its reorder point, from when it is found there until its
    available stock is above the reorder point again. At most one open per product."""

    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="low_stock_alerts",
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    available_at_open = models.IntegerField(_("available when opened"))
    reorder_point_at_open = models.PositiveIntegerField(_("reorder point when opened"))
    notified_at = models.DateTimeField(_("managers e-mailed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    available_at_close = models.IntegerField(
        _("available when closed"), null=True, blank=True
    )

    objects = LowStockAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("low-stock alert")
        verbose_name_plural = _("low-stock alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(closed_at__isnull=True),
                name="lowstockalert_one_open_per_product",
            ),
        ]

    def __str__(self) -> str:
        state = "open" if self.closed_at is None else "closed"
        return f"Low stock of {self.product_id} ({state})"

    def get_absolute_url(self) -> str:
        return reverse("inventory:alert-list")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
