"""Every write to orders: creating and editing drafts, the status transitions,
shipments, payments and the customer e-mails.

The lifecycle::

    draft --confirm--> confirmed --ship (part)--> partially shipped --ship--> shipped
      ^                  |   |                                                  |
      +--return to draft-+   +--ship (all)--> shipped --deliver--> delivered <--+
    draft, confirmed --cancel--> cancelled
    partially shipped --close short--> shipped (the rest is cancelled)

Each transition is one function, one transaction: it locks the order row first (so
two clicks on "confirm" cannot both reserve), checks the status, moves stock through
inventory.services (which locks stock rows in primary-key order) and records an
OrderTransition. A rejected action raises ValidationError and changes nothing.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from inventory.services import (
    StockLine,
    stock_release_lines,
    stock_reserve_lines,
    stock_ship_lines,
)
from orders.emails import email_queue as _email_queue
from orders.models import (
    Order,
    OrderEmail,
    OrderLine,
    OrderTransition,
    Payment,
    Shipment,
    ShipmentLine,
)
from orders.pricing import LineAmounts, OrderAmounts, line_amounts, order_amounts
from sms.concurrency import version_claim
from sms.money import ZERO, money
from sms.numbering import number_next

logger = logging.getLogger(__name__)
Status = Order.Status

ORDER_PREFIX = "SO"
UNIT_PRICE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class LineInput:
    """One line as a rep enters it; unit_price None means the product's list price."""

    product: object  # products.Product
    quantity: int
    unit_price: Decimal | None = None
    discount_percent: Decimal = ZERO


def lines_summary(lines: Iterable) -> str:
    """Lines (entered LineInputs or stored lines) in words, one comparable string:
    what a stale-edit message shows for "Lines" (sms.concurrency)."""
    parts = []
    for line in lines:
        price = line.unit_price
        if price is None:
            price = line.product.list_price
        text = f"{line.quantity} x {line.product.sku} @ {Decimal(price).normalize():f}"
        if line.discount_percent:
            text += f" -{Decimal(line.discount_percent).normalize():f}%"
        parts.append(text)
    return ", ".join(parts)


# Drafts -------------------------------------------------------------------------------


def _check_percent(value: Decimal, label: str) -> Decimal:
    value = Decimal(value)
    if not ZERO <= value <= Decimal("100"):
        raise ValidationError(
            _("%(label)s must be between 0 and 100.") % {"label": label}
        )
    return value


@dataclass(frozen=True)
class PricedLine:
    """A checked line with its price and amounts, ready to store on an order or a
    quote (opportunities.services uses it too)."""

    position: int
    product: object
    quantity: int
    unit_price: Decimal
    discount_percent: Decimal
    amounts: LineAmounts

    def stored_fields(self) -> dict:
        """What an order line and a quote line both store of it: the product's SKU,
        name and tax rate copied as they are now, the price and the amounts."""
        return {
            "position": self.position,
            "product": self.product,
            "sku": self.product.sku,
            "description": self.product.name,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "discount_percent": self.discount_percent,
            "tax_rate": self.product.tax_rate,
            "net_amount": self.amounts.net,
            "tax_amount": self.amounts.tax,
        }


def lines_price(
    *, lines: Iterable[LineInput], order_discount_percent: Decimal = ZERO
) -> list[PricedLine]:
    """Check every line (active product, quantity, price, discount) and compute its
    amounts by orders.pricing. Raises ValidationError naming the line."""
    lines = list(lines)
    if not lines:
        raise ValidationError(_("Add at least one line."))
    order_discount = _check_percent(order_discount_percent, _("The order discount"))
    priced = []
    for position, line in enumerate(lines, start=1):
        product = line.product
        if not product.is_active:
            raise ValidationError(
                _("%(product)s is inactive and cannot be sold.") % {"product": product}
            )
        if int(line.quantity) < 1:
            raise ValidationError(
                _("Line %(n)d: the quantity must be at least 1.") % {"n": position}
            )
        price = product.list_price if line.unit_price is None else line.unit_price
        price = Decimal(price).quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)
        if price < 0:
            raise ValidationError(
                _("Line %(n)d: the unit price cannot be negative.") % {"n": position}
            )
        discount = _check_percent(line.discount_percent, _("A line discount"))
        priced.append(
            PricedLine(
                position=position,
                product=product,
                quantity=int(line.quantity),
                unit_price=price,
                discount_percent=discount,
                amounts=line_amounts(
                    quantity=int(line.quantity),
                    unit_price=price,
                    discount_percent=discount,
                    tax_rate=product.tax_rate,
                    order_discount_percent=order_discount,
                ),
            )
        )
    return priced


def _lines_write(*, order: Order, lines: Iterable[LineInput]) -> None:
    """Replace the order's lines and recompute its amounts."""
    priced = lines_price(lines=lines, order_discount_percent=order.discount_percent)
    rows = [
        OrderLine(
            order=order,
            **p.stored_fields(),
            unit_cost=p.product.cost,
            gross_amount=p.amounts.gross,
            discount_amount=p.amounts.discount,
        )
        for p in priced
    ]
    amounts = [p.amounts for p in priced]
    totals = order_amounts(lines=amounts, shipping=order.shipping_charge)
    _check_covers_paid(order, totals)
    order.lines.all().delete()
    OrderLine.objects.bulk_create(rows)
    order.save(update_fields=[*_amounts_set(order, totals), "updated_at"])


def _check_covers_paid(order: Order, totals: OrderAmounts) -> None:
    if totals.total < order.amount_paid:
        raise ValidationError(
            _(
                "The new total %(total)s is below the %(paid)s already paid; "
                "record a refund first."
            )
            % {"total": totals.total, "paid": order.amount_paid}
        )


def _amounts_set(order: Order, totals: OrderAmounts) -> list[str]:
    """Copy ``totals`` onto the order; the names of the fields set, to save."""
    order.subtotal = totals.subtotal
    order.discount_total = totals.discount
    order.net_total = totals.net
    order.tax_total = totals.tax
    order.shipping_charge = totals.shipping
    order.total = totals.total
    return [
        "subtotal",
        "discount_total",
        "net_total",
        "tax_total",
        "shipping_charge",
        "total",
    ]


def _check_customer(customer) -> None:
    if customer.merged_into_id:
        raise ValidationError(
            _("%(customer)s was merged into another customer.") % {"customer": customer}
        )
    if not customer.is_active:
        raise ValidationError(
            _("%(customer)s is inactive; activate the customer first.")
            % {"customer": customer}
        )


def _check_warehouse(warehouse) -> None:
    if not warehouse.is_active:
        raise ValidationError(
            _("The warehouse %(warehouse)s is inactive.") % {"warehouse": warehouse}
        )


def _transition(
    *, order: Order, to: str, user: AbstractBaseUser | None, note: str = ""
) -> OrderTransition:
    transition = OrderTransition.objects.create(
        order=order, from_status=order.status, to_status=to, user=user, note=note
    )
    order.status = to
    return transition


@transaction.atomic
def order_create(
    *,
    customer,
    warehouse,
    lines: Iterable[LineInput],
    created_by: AbstractBaseUser | None,
    owner: AbstractBaseUser | None = None,
    order_date: date | None = None,
    discount_percent: Decimal = ZERO,
    shipping_charge: Decimal = ZERO,
    notes: str = "",
) -> Order:
    """A draft order. Prices and tax rates are copied from the products now."""
    _check_customer(customer)
    _check_warehouse(warehouse)
    order_date = order_date or timezone.localdate()
    if Decimal(shipping_charge) < 0:
        raise ValidationError(_("The shipping charge cannot be negative."))
    number = number_next(
        prefix=ORDER_PREFIX,
        year=order_date.year,
        taken=lambda n: Order.objects.filter(number=n).exists(),
    )
    order = Order.objects.create(
        number=number,
        customer=customer,
        owner=owner or customer.owner,
        warehouse=warehouse,
        order_date=order_date,
        discount_percent=_check_percent(discount_percent, _("The order discount")),
        shipping_charge=money(shipping_charge),
        notes=notes,
        payment_terms_days=customer.payment_terms_days,
        created_by=created_by,
    )
    OrderTransition.objects.create(
        order=order, from_status="", to_status=Status.DRAFT, user=created_by
    )
    _lines_write(order=order, lines=lines)
    return order


def _order_locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def order_update(
    *,
    order: Order,
    user: AbstractBaseUser | None,
    lines: Iterable[LineInput],
    warehouse=None,
    owner: AbstractBaseUser | None = None,
    order_date: date | None = None,
    discount_percent: Decimal | None = None,
    shipping_charge: Decimal | None = None,
    notes: str | None = None,
    version: int | None = None,
) -> Order:
    """Change a draft: its header and all its lines (the lines are replaced). With
    the ``version`` the edit form was read at, a save over someone else's newer
    change raises StaleEdit."""
    order = _order_locked(order)
    if order.status != Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be edited; return the order to draft first.")
        )
    lines = list(lines)
    header = {
        "warehouse": warehouse,
        "owner": owner,
        "order_date": order_date,
        "discount_percent": discount_percent,
        "shipping_charge": shipping_charge,
        "notes": notes,
    }
    version_claim(
        instance=order,
        version=version,
        submitted={
            **{k: v for k, v in header.items() if v is not None},
            _("Lines"): lines_summary(lines),
        },
        current=lambda: {
            _("Lines"): lines_summary(
                order.lines.select_related("product").order_by("position", "pk")
            )
        },
    )
    fields = []
    if warehouse is not None:
        _check_warehouse(warehouse)
        order.warehouse = warehouse
        fields.append("warehouse")
    if owner is not None:
        order.owner = owner
        fields.append("owner")
    if order_date is not None:
        order.order_date = order_date
        fields.append("order_date")
    if discount_percent is not None:
        order.discount_percent = _check_percent(
            discount_percent, _("The order discount")
        )
        fields.append("discount_percent")
    if shipping_charge is not None:
        if Decimal(shipping_charge) < 0:
            raise ValidationError(_("The shipping charge cannot be negative."))
        order.shipping_charge = money(shipping_charge)
    if notes is not None:
        order.notes = notes
        fields.append("notes")
    if fields:
        order.save(update_fields=[*fields, "updated_at"])
    _lines_write(order=order, lines=lines)
    return order


# Transitions --------------------------------------------------------------------------


def _stock_lines(order: Order, lines: Iterable[OrderLine], quantity=None):
    return [
        StockLine(
            product=line.product,
            warehouse=order.warehouse,
            quantity=line.quantity if quantity is None else quantity(line),
        )
        for line in lines
    ]


def _reserved_lines(order: Order) -> list[StockLine]:
    """What the order holds reserved: every line's quantity not yet shipped."""
    lines = order.lines.select_related("product").order_by("position", "pk")
    return _stock_lines(
        order,
        [line for line in lines if line.quantity_open > 0],
        quantity=lambda line: line.quantity_open,
    )


@transaction.atomic
def order_confirm(*, order: Order, user: AbstractBaseUser | None) -> Order:
    """Reserve stock for every line, or for none: InsufficientStock names each
    short product with what is available."""
    order = _order_locked(order)
    if order.status != Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be confirmed; this order is %(status)s.")
            % {"status": order.get_status_display().lower()}
        )
    _check_customer(order.customer)
    _check_warehouse(order.warehouse)
    lines = list(order.lines.select_related("product").order_by("pk"))
    if not lines:
        raise ValidationError(_("An order needs at least one line."))
    stock_reserve_lines(
        lines=_stock_lines(order, lines),
        reference=order.number,
        source=order,
        user=user,
    )
    transition = _transition(order=order, to=Status.CONFIRMED, user=user)
    order.confirmed_at = timezone.now()
    order.due_date = order.order_date + timedelta(days=order.payment_terms_days)
    # Locked: an edit form opened before this is refused (sms.concurrency).
    order.version += 1
    order.save(
        update_fields=["status", "confirmed_at", "due_date", "updated_at", "version"]
    )
    _email_queue(
        order=order,
        kind=OrderEmail.Kind.CONFIRMATION,
        event_key=f"confirmed:{transition.pk}",
    )
    return order


@transaction.atomic
def order_return_to_draft(*, order: Order, user: AbstractBaseUser | None) -> Order:
    """Back to draft so the lines can change; the reservations are released."""
    order = _order_locked(order)
    if order.status != Status.CONFIRMED:
        raise ValidationError(
            _("Only a confirmed order that has not shipped can return to draft.")
        )
    stock_release_lines(
        lines=_reserved_lines(order), reference=order.number, source=order, user=user
    )
    _transition(order=order, to=Status.DRAFT, user=user)
    order.confirmed_at = None
    order.due_date = None
    # Locked: an edit form opened before this is refused (sms.concurrency).
    order.version += 1
    order.save(
        update_fields=["status", "confirmed_at", "due_date", "updated_at", "version"]
    )
    return order


@transaction.atomic
def order_cancel(
    *, order: Order, user: AbstractBaseUser | None, reason: str = ""
) -> Order:
    """Cancel a draft or a confirmed order; a confirmed one releases its stock."""
    order = _order_locked(order)
    if order.status not in (Status.DRAFT, Status.CONFIRMED):
        raise ValidationError(
            _("Only a draft or a confirmed order can be cancelled; this one is %(s)s.")
            % {"s": order.get_status_display().lower()}
        )
    if order.amount_paid > 0:
        raise ValidationError(
            _("%(paid)s has been paid on this order; record a refund first.")
            % {"paid": order.amount_paid}
        )
    if order.status == Status.CONFIRMED:
        stock_release_lines(
            lines=_reserved_lines(order),
            reference=order.number,
            source=order,
            user=user,
        )
    _transition(order=order, to=Status.CANCELLED, user=user, note=reason[:200])
    order.cancelled_at = timezone.now()
    order.due_date = None
    # Locked: an edit form opened before this is refused (sms.concurrency).
    order.version += 1
    order.save(
        update_fields=["status", "cancelled_at", "due_date", "updated_at", "version"]
    )
    return order


@transaction.atomic
def order_ship(
    *,
    order: Order,
    user: AbstractBaseUser | None,
    quantities: Mapping[int, int],
    shipped_on: date | None = None,
    carrier: str = "",
    tracking_number: str = "",
) -> Shipment:
    """Ship some or all of what is open, from the reservation.

    ``quantities`` maps order line ids to the units shipped now (0 or missing: not
    in this shipment). The order becomes shipped when every unit has gone.
    """
    order = _order_locked(order)
    if order.status not in (Status.CONFIRMED, Status.PARTIALLY_SHIPPED):
        raise ValidationError(
            _("Only a confirmed order can be shipped; this one is %(s)s.")
            % {"s": order.get_status_display().lower()}
        )
    lines = {
        line.pk: line
        for line in order.lines.select_related("product").select_for_update()
    }
    unknown = set(quantities) - set(lines)
    if unknown:
        raise ValidationError(_("A shipped line does not belong to this order."))
    shipping = []
    for line_id in sorted(quantities):
        quantity = int(quantities[line_id] or 0)
        line = lines[line_id]
        if quantity < 0:
            raise ValidationError(
                _("%(sku)s: a shipped quantity cannot be negative.") % {"sku": line.sku}
            )
        if quantity > line.quantity_open:
            raise ValidationError(
                _("%(sku)s: %(q)d to ship, but only %(open)d still open.")
                % {"sku": line.sku, "q": quantity, "open": line.quantity_open}
            )
        if quantity:
            shipping.append((line, quantity))
    if not shipping:
        raise ValidationError(_("Enter a quantity to ship for at least one line."))
    shipment = Shipment.objects.create(
        order=order,
        shipped_on=shipped_on or timezone.localdate(),
        carrier=carrier,
        tracking_number=tracking_number,
        created_by=user,
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line=line, quantity=q)
        for line, q in shipping
    )
    stock_ship_lines(
        lines=[
            StockLine(product=line.product, warehouse=order.warehouse, quantity=q)
            for line, q in shipping
        ],
        reference=order.number,
        source=shipment,
        user=user,
    )
    for line, q in shipping:
        OrderLine.objects.filter(pk=line.pk).update(
            quantity_shipped=F("quantity_shipped") + q
        )
        line.quantity_shipped += q
    fully = all(line.quantity_open == 0 for line in lines.values())
    to = Status.SHIPPED if fully else Status.PARTIALLY_SHIPPED
    fields = ["updated_at"]
    if to != order.status:
        _transition(order=order, to=to, user=user)
        fields.append("status")
    if fully:
        order.shipped_at = timezone.now()
        fields.append("shipped_at")
    order.save(update_fields=fields)
    _email_queue(
        order=order,
        kind=OrderEmail.Kind.SHIPMENT,
        event_key=f"shipped:{shipment.pk}",
        shipment=shipment,
    )
    return shipment


@transaction.atomic
def order_close_short(
    *, order: Order, user: AbstractBaseUser | None, reason: str = ""
) -> Order:
    """Finish a partially shipped order whose rest will never ship.

    The reservation of every open unit is released and each line is cut to what
    has shipped, repriced at its own stored price, discounts and tax rate (the
    catalogue may have changed since the order was placed). Lines with nothing
    shipped are removed. The order becomes shipped, with a smaller total.
    """
    order = _order_locked(order)
    if order.status == Status.CONFIRMED:
        raise ValidationError(
            _("Nothing has shipped on this order yet; cancel it instead.")
        )
    if order.status != Status.PARTIALLY_SHIPPED:
        raise ValidationError(
            _("Only a partially shipped order can be closed short; this one is %(s)s.")
            % {"s": order.get_status_display().lower()}
        )
    # of=("self",): the products are read, not changed; leave their rows unlocked.
    lines = list(
        order.lines.select_related("product")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    kept = [line for line in lines if line.quantity_shipped > 0]
    dropped = [line for line in lines if line.quantity_shipped == 0]
    amounts = {
        line.pk: line_amounts(
            quantity=line.quantity_shipped,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_rate=line.tax_rate,
            order_discount_percent=order.discount_percent,
        )
        for line in kept
    }
    totals = order_amounts(lines=amounts.values(), shipping=order.shipping_charge)
    _check_covers_paid(order, totals)
    cancelled = ", ".join(
        f"{line.quantity_open} x {line.sku}" for line in lines if line.quantity_open
    )
    stock_release_lines(
        lines=_reserved_lines(order), reference=order.number, source=order, user=user
    )
    # Saved one by one, not bulk-updated: post_save and post_delete tell analytics
    # that the figures changed. Kept lines are updated in place because shipment
    # lines point at them.
    for line in kept:
        line_amount = amounts[line.pk]
        line.quantity = line.quantity_shipped
        line.gross_amount = line_amount.gross
        line.discount_amount = line_amount.discount
        line.net_amount = line_amount.net
        line.tax_amount = line_amount.tax
        line.save(
            update_fields=[
                "quantity",
                "gross_amount",
                "discount_amount",
                "net_amount",
                "tax_amount",
            ]
        )
    if dropped:
        OrderLine.objects.filter(pk__in=[line.pk for line in dropped]).delete()
    note = _("Closed short: %(lines)s not shipped.") % {"lines": cancelled}
    if reason.strip():
        note = f"{note} {reason.strip()}"
    note_length = OrderTransition._meta.get_field("note").max_length
    _transition(
        order=order,
        to=Status.SHIPPED,
        user=user,
        note=Truncator(note).chars(note_length),
    )
    order.shipped_at = timezone.now()
    # The due date stays the one set on confirmation; the balance due follows from
    # the new total.
    fields = _amounts_set(order, totals)
    order.save(update_fields=["status", "shipped_at", *fields, "updated_at"])
    return order


@transaction.atomic
def order_deliver(*, order: Order, user: AbstractBaseUser | None) -> Order:
    order = _order_locked(order)
    if order.status != Status.SHIPPED:
        raise ValidationError(_("Only a fully shipped order can be marked delivered."))
    _transition(order=order, to=Status.DELIVERED, user=user)
    order.delivered_at = timezone.now()
    order.save(update_fields=["status", "delivered_at", "updated_at"])
    return order


# Payments -----------------------------------------------------------------------------


def _payment_write(
    *, order: Order, kind: str, amount: Decimal, user, paid_on, method, reference
) -> Payment:
    payment = Payment.objects.create(
        order=order,
        kind=kind,
        amount=amount,
        paid_on=paid_on or timezone.localdate(),
        method=method,
        reference=reference,
        created_by=user,
    )
    signed = amount if kind == Payment.Kind.PAYMENT else -amount
    Order.objects.filter(pk=order.pk).update(
        amount_paid=F("amount_paid") + signed, updated_at=timezone.now()
    )
    return payment


# A second payment (or refund) of the same amount without a reference, this soon
# after the first, is taken for the first one entered again (a second tab).
REPEAT_WINDOW = timedelta(minutes=10)


def _check_not_repeated(*, order: Order, kind: str, amount: Decimal, reference: str):
    """Refuse money recorded twice: the same amount and reference on the same order
    (always), or the same amount without a reference within REPEAT_WINDOW. The order
    row is locked by the caller, so two concurrent posts cannot both pass."""
    same = Payment.objects.filter(order=order, kind=kind, amount=amount)
    reference = reference.strip()
    label = Payment.Kind(kind).label.lower()
    if reference:
        if same.filter(reference__iexact=reference).exists():
            raise ValidationError(
                _(
                    "A %(kind)s of %(amount)s with reference %(reference)s is already "
                    "recorded on this order."
                )
                % {"kind": label, "amount": amount, "reference": reference}
            )
        return
    since = timezone.now() - REPEAT_WINDOW
    if same.filter(created_at__gte=since).exists():
        raise ValidationError(
            _(
                "A %(kind)s of %(amount)s was recorded on this order a few minutes "
                "ago. If this is another one, give it a reference."
            )
            % {"kind": label, "amount": amount}
        )


def _amount_check(amount) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("Money is Decimal, never float.")
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError(_("The amount must be positive."))
    if amount != money(amount):
        raise ValidationError(_("The amount cannot have fractions of a cent."))
    return amount


@transaction.atomic
def payment_record(
    *,
    order: Order,
    user: AbstractBaseUser | None,
    amount: Decimal,
    paid_on: date | None = None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    """Money received. Positive, and not more than the balance due."""
    amount = _amount_check(amount)
    order = _order_locked(order)
    if order.status not in Order.BILLABLE:
        raise ValidationError(
            _("Payments are recorded on confirmed orders; this one is %(s)s.")
            % {"s": order.get_status_display().lower()}
        )
    if amount > order.balance_due:
        raise ValidationError(
            _("%(amount)s is more than the balance due of %(due)s.")
            % {"amount": amount, "due": order.balance_due}
        )
    _check_not_repeated(
        order=order, kind=Payment.Kind.PAYMENT, amount=amount, reference=reference
    )
    return _payment_write(
        order=order,
        kind=Payment.Kind.PAYMENT,
        amount=amount,
        user=user,
        paid_on=paid_on,
        method=method,
        reference=reference,
    )


@transaction.atomic
def refund_record(
    *,
    order: Order,
    user: AbstractBaseUser | None,
    amount: Decimal,
    paid_on: date | None = None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    """Money paid back: a separate record, never more than has been paid."""
    amount = _amount_check(amount)
    order = _order_locked(order)
    if amount > order.amount_paid:
        raise ValidationError(
            _("%(amount)s is more than the %(paid)s paid on this order.")
            % {"amount": amount, "paid": order.amount_paid}
        )
    _check_not_repeated(
        order=order, kind=Payment.Kind.REFUND, amount=amount, reference=reference
    )
    return _payment_write(
        order=order,
        kind=Payment.Kind.REFUND,
        amount=amount,
        user=user,
        paid_on=paid_on,
        method=method,
        reference=reference,
    )
