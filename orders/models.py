"""Orders, their lines, shipments, payments, status history and customer e-mails.

Every write goes through orders.services. Amounts on orders and lines are stored
(computed by orders.pricing when lines change) so lists, filters and reports add
them up in SQL. How the amounts are computed is written in orders/pricing.py.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sms.money import ZERO
from sms.outbox.models import OutboxMessage

PERCENT_VALIDATORS = [
    MinValueValidator(Decimal("0")),
    MaxValueValidator(Decimal("100")),
]


def _money_field(label: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=14, decimal_places=2, default=ZERO, **kwargs
    )


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PARTIAL = "partial", _("Partially paid")
    PAID = "paid", _("Paid")


class OrderQuerySet(models.QuerySet):
    def billable(self):
        """Orders the customer owes money for: confirmed or further, not cancelled."""
        return self.filter(status__in=Order.BILLABLE)

    def payment_status(self, status: str):
        if status == PaymentStatus.PAID:
            return self.filter(amount_paid__gte=F("total"))
        if status == PaymentStatus.UNPAID:
            return self.filter(amount_paid__lte=0, total__gt=0)
        if status == PaymentStatus.PARTIAL:
            return self.filter(amount_paid__gt=0, amount_paid__lt=F("total"))
        return self

    def overdue(self, *, today=None):
        """Billable orders with a balance due past their due date."""
        today = today or timezone.localdate()
        return self.billable().filter(amount_paid__lt=F("total"), due_date__lt=today)


# Order.BILLABLE as plain values, for index conditions (a Meta cannot see the
# class body).
BILLABLE_STATUSES = ("confirmed", "partially_shipped", "shipped", "delivered")


class Order(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    BILLABLE = (
        Status.CONFIRMED,
        Status.PARTIALLY_SHIPPED,
        Status.SHIPPED,
        Status.DELIVERED,
    )

    number = models.CharField(_("number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales rep"),
        on_delete=models.PROTECT,
        related_name="orders",
        help_text=_("The rep credited with the sale."),
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    order_date = models.DateField(_("order date"), default=timezone.localdate)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    discount_percent = models.DecimalField(
        _("order discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=PERCENT_VALIDATORS,
    )
    shipping_charge = _money_field(
        _("shipping charge"), validators=[MinValueValidator(ZERO)]
    )
    notes = models.TextField(_("notes"), blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30
    )
    due_date = models.DateField(_("payment due"), null=True, blank=True)

    # Stored amounts, recomputed from the lines by orders.services.
    subtotal = _money_field(_("subtotal"))
    discount_total = _money_field(_("discount"))
    net_total = _money_field(_("net"))
    tax_total = _money_field(_("tax"))
    total = _money_field(_("total"))
    amount_paid = _money_field(_("paid"))

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    imported = models.BooleanField(
        _("imported"),
        default=False,
        help_text=_("Brought in from order history; it never moved stock."),
    )
    # Counts saved changes; edit forms carry it so a stale save is refused
    # (sms.concurrency). The database default serves rows COPYed in (sms.bulk).
    version = models.PositiveIntegerField(
        _("version"), default=1, db_default=1, editable=False
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-order_date", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [
            ("confirm_order", _("Can confirm, return to draft and cancel orders")),
            ("ship_order", _("Can ship and deliver orders")),
            ("refund_payment", _("Can record refunds")),
            ("import_order", _("Can import order history")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="order_discount_percent_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(shipping_charge__gte=0), name="order_shipping_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0), name="order_amount_paid_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__lte=F("total")),
                name="order_amount_paid_lte_total",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "order_date"], name="order_status_date_idx"),
            models.Index(fields=["customer", "order_date"], name="order_cust_date_idx"),
            models.Index(fields=["owner", "order_date"], name="order_owner_date_idx"),
            models.Index(fields=["due_date"], name="order_due_date_idx"),
            # Receivables (aging) read only the orders still owed money: a small
            # share of all orders, found without scanning the table.
            models.Index(
                fields=["due_date"],
                condition=Q(
                    status__in=[
                        "confirmed",
                        "partially_shipped",
                        "shipped",
                        "delivered",
                    ],
                    amount_paid__lt=F("total"),
                ),
                # What the receivables aggregates read, so no row is visited.
                include=["id", "total", "amount_paid", "customer", "owner"],
                name="order_open_balance_idx",
            ),
            # Reports and the dashboard read billable orders by date and by
            # customer; these cover the columns they aggregate, so the large
            # aggregates scan an index instead of the table. The status list is
            # Order.BILLABLE (a test keeps them equal): the planner uses a partial
            # index only when the query's filter implies its condition.
            models.Index(
                fields=["order_date"],
                include=["id", "net_total", "customer", "owner"],
                condition=Q(status__in=BILLABLE_STATUSES),
                name="order_billable_date_idx",
            ),
            models.Index(
                fields=["customer", "order_date"],
                include=["net_total"],
                condition=Q(status__in=BILLABLE_STATUSES),
                name="order_billable_cust_date_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:order-detail", kwargs={"pk": self.pk})

    @property
    def balance_due(self) -> Decimal:
        if self.status not in self.BILLABLE:
            return ZERO
        return self.total - self.amount_paid

    @property
    def payment_status(self) -> str:
        if self.amount_paid >= self.total:
            return PaymentStatus.PAID
        if self.amount_paid <= 0:
            return PaymentStatus.UNPAID
        return PaymentStatus.PARTIAL

    def get_payment_status_display(self) -> str:
        return PaymentStatus(self.payment_status).label

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.status in self.BILLABLE
            and self.amount_paid < self.total
            and self.due_date
            and self.due_date < timezone.localdate()
        )

    @property
    def days_overdue(self) -> int:
        if not self.is_overdue:
            return 0
        return (timezone.localdate() - self.due_date).days

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    # Copied from the product when the line is written: later catalogue changes
    # never change an order.
    sku = models.CharField(_("SKU"), max_length=40)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    # Four places: some goods are priced in fractions of a cent (0.335 per screw);
    # every amount computed from it is rounded to cents (orders.pricing).
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(ZERO)],
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=PERCENT_VALIDATORS,
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=PERCENT_VALIDATORS,
    )
    unit_cost = _money_field(_("unit cost"))
    gross_amount = _money_field(_("amount before discounts"))
    discount_amount = _money_field(_("discount"))
    net_amount = _money_field(_("net amount"))
    tax_amount = _money_field(_("tax"))
    quantity_shipped = models.PositiveIntegerField(_("shipped"), default=0)

    class Meta:
        ordering = ["order", "position", "pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="orderline_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="orderline_unit_price_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=F("quantity")),
                name="orderline_shipped_lte_quantity",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "order"], name="orderline_product_idx"),
            # The lines of a set of orders without reading the table (reports).
            models.Index(
                fields=["order"],
                include=["product", "quantity", "net_amount", "unit_cost"],
                name="orderline_order_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"

    @property
    def total_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount

    @property
    def quantity_open(self) -> int:
        return self.quantity - self.quantity_shipped


class OrderTransition(models.Model):
    """One change of an order's status: who, when, from, to."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=Order.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=Order.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["order", "created_at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '-'} -> {self.to_status}"


class Shipment(models.Model):
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    shipped_on = models.DateField(_("shipped on"), default=timezone.localdate)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["order", "shipped_on", "pk"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.order} shipment {self.pk}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["shipment", "order_line"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shipmentline_quantity_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"


class Payment(models.Model):
    """Money in (a payment) or back out (a refund); amounts are always positive."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        OTHER = "other", _("Other")

    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.PAYMENT
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("date"), default=timezone.localdate)
    method = models.CharField(
        _("method"), max_length=20, choices=Method.choices, default=Method.BANK_TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["order", "paid_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payment_amount_gt_0"
            ),
        ]
        indexes = [models.Index(fields=["paid_on"], name="payment_paid_on_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on {self.order}"

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.kind == self.Kind.PAYMENT else -self.amount


class OrderEmail(OutboxMessage):
    """One e-mail to the customer for one event: a use of the outbox (sms.outbox),
    keyed by the event (``confirmed:<transition>``, ``shipped:<shipment>``)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Order confirmation")
        SHIPMENT = "shipment", _("Shipment notice")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    shipment = models.ForeignKey(
        Shipment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    to_address = models.CharField(_("to"), max_length=254, blank=True)

    class Meta(OutboxMessage.Meta):
        ordering = ["order", "created_at", "pk"]
        verbose_name = _("order e-mail")
        verbose_name_plural = _("order e-mails")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.order}"
