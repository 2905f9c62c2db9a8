"""The catalogue: categories (a tree of two levels) and products.

Prices are net of tax, in the one currency (SMS_CURRENCY). Quantities (reorder point
and quantity, and stock in the inventory app) are whole units of the product's unit
of measure.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sms.money import money

CATEGORY_PATH_SEPARATOR = " > "


class Category(models.Model):
    """A product category; a category has at most one parent (two levels)."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="category_unique_name_in_parent"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="category_unique_top_level_name",
            ),
        ]

    def __str__(self) -> str:
        # Callers that show many categories select_related("parent").
        return self.path

    def get_absolute_url(self) -> str:
        return reverse("products:product-list") + f"?category={self.pk}"

    @property
    def path(self) -> str:
        if self.parent_id:
            return f"{self.parent.name}{CATEGORY_PATH_SEPARATOR}{self.name}"
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Product(models.Model):
    class Unit(models.TextChoices):
        PIECE = "pcs", _("Piece")
        BOX = "box", _("Box")
        PACK = "pack", _("Pack")
        SET = "set", _("Set")
        PAIR = "pair", _("Pair")
        REAM = "ream", _("Ream")
        ROLL = "roll", _("Roll")
        KILOGRAM = "kg", _("Kilogram")
        LITRE = "l", _("Litre")
        METRE = "m", _("Metre")

    sku = models.CharField(
        _("SKU"),
        max_length=40,
        unique=True,
        help_text=_("Stock keeping unit: letters, digits, '-', '_', '.' or '/'."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.CharField(
        _("unit of measure"), max_length=8, choices=Unit.choices, default=Unit.PIECE
    )
    list_price = models.DecimalField(
        _("list price"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Per unit, before tax."),
    )
    cost = models.DecimalField(
        _("cost"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("What one unit costs the company."),
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive products cannot be sold.")
    )
    reorder_point = models.PositiveIntegerField(
        _("reorder point"),
        default=0,
        help_text=_(
            "Alert when the quantity available in all warehouses falls to this "
            "level or below; 0 turns low-stock alerts off."
        ),
    )
    reorder_quantity = models.PositiveIntegerField(
        _("reorder quantity"),
        default=0,
        help_text=_("The usual quantity to order from the supplier."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Counts saved changes; edit forms carry it so a stale save is refused
    # (sms.concurrency). The database default serves rows COPYed in (sms.bulk).
    version = models.PositiveIntegerField(
        _("version"), default=1, db_default=1, editable=False
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        permissions = [("import_product", _("Can import products from a file"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=0), name="product_list_price_gte_0"
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="product_cost_gte_0"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100),
                name="product_tax_rate_0_to_100",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="product_name_idx")]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("products:product-detail", kwargs={"pk": self.pk})

    @property
    def margin(self) -> Decimal:
        """Gross margin per unit: list price minus cost."""
        return money(self.list_price - self.cost)

    @property
    def margin_percent(self) -> Decimal | None:
        """Gross margin as a percentage of the list price, one decimal; None at 0."""
        if not self.list_price:
            return None
        percent = (self.list_price - self.cost) * 100 / self.list_price
        return percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
