"""Every change to stock, and the low-stock alerts.

Stock is one ``StockItem`` row per (product, warehouse) with ``on_hand`` (units in
the building) and ``reserved`` (units promised to confirmed orders, not yet shipped);
``available = on_hand - reserved`` is what can still be promised. The database keeps
``on_hand >= 0``, ``reserved >= 0`` and ``reserved <= on_hand`` (CHECK constraints).

The functions below are the only writers of stock. Each runs in a transaction, locks
the stock rows it touches with ``SELECT ... FOR UPDATE`` (several rows: in primary-key
order, so two transactions never wait on each other in a circle), checks the move,
updates the rows and writes one ``StockMovement`` per row changed. A move that is not
possible raises ``ValidationError`` (``InsufficientStock`` when it needs more than is
available) and changes nothing.

What each kind of movement does (``q`` is the movement's positive ``quantity``):

=============  =======  ========  ============================================
kind           on_hand  reserved  made by, and what it needs
=============  =======  ========  ============================================
receipt        +q       0         stock_receive: goods in from a supplier
return         +q       0         stock_return: goods back from a customer
transfer_in    +q       0         stock_transfer, at the destination
transfer_out   -q       0         stock_transfer, at the source (q available)
adjustment     +q / -q  0         stock_adjust, with a reason (a decrease needs
                                  q available: reserved units cannot be
                                  counted away)
shipment       -q       -q        stock_ship: consumes the reservation it ships
                                  (q reserved)
shipment       -q       0         stock_ship(from_reservation=False): a sale
                                  that was never reserved (q available)
reservation    0        +q        stock_reserve (q available)
release        0        -q        stock_release (q reserved)
=============  =======  ========  ============================================

So ``on_hand`` changes only through receipts, returns, transfers, adjustments and
shipments, and ``reserved`` only through reservations, releases and shipments. For
every row, and so for every product, at all times::

    on_hand  == sum(on_hand_delta  of its movements)
    reserved == sum(reserved_delta of its movements)

and each movement stores the row's balances right after it (``on_hand_after``,
``reserved_after``), which is the running balance the movement history shows.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import LowStockAlert, StockItem, StockMovement, Warehouse
from products.models import Product
from sms.broker import enqueue
from sms.roles import SALES_MANAGER

Kind = StockMovement.Kind


@dataclass(frozen=True)
class Shortage:
    product: Product
    warehouse: Warehouse
    requested: int
    available: int


class InsufficientStock(ValidationError):
    """A move needs more units than are available; nothing was changed.

    ``shortages`` lists every line that is short (one for a single move); the
    message names each product, warehouse and the quantity available.
    """

    def __init__(self, shortages: Sequence[Shortage]):
        self.shortages = list(shortages)
        super().__init__(
            [
                ValidationError(
                    _(
                        "Not enough stock of %(product)s in %(warehouse)s: "
                        "%(available)d available, %(requested)d requested."
                    ),
                    code="insufficient_stock",
                    params={
                        "product": s.product,
                        "warehouse": s.warehouse,
                        "available": s.available,
                        "requested": s.requested,
                    },
                )
                for s in self.shortages
            ]
        )

    @property
    def product(self) -> Product:
        return self.shortages[0].product

    @property
    def available(self) -> int:
        return self.shortages[0].available


class StockLineLike(Protocol):
    product: Product
    warehouse: Warehouse
    quantity: int


@dataclass(frozen=True)
class StockLine:
    """One line of a multi-line move (stock_reserve_lines and friends)."""

    product: Product
    warehouse: Warehouse
    quantity: int


@dataclass(frozen=True)
class _Move:
    product: Product
    warehouse: Warehouse
    kind: str
    quantity: int
    on_hand_delta: int
    reserved_delta: int
    # Whether the units must be available (not only on hand) for the move.
    needs_available: bool = False
    other_warehouse: Warehouse | None = None
    reason: str = ""


# The core -----------------------------------------------------------------------------


def _quantity_check(quantity: int, *, field: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError({field: _("Enter a whole number of units.")})
    if quantity <= 0:
        raise ValidationError({field: _("Enter a quantity greater than zero.")})
    return quantity


def _items_locked(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockItem]:
    """The stock rows for (product_id, warehouse_id) pairs, created if missing,
    locked FOR UPDATE in primary-key order."""
    keys = sorted(set(keys))
    match = Q()
    for product_id, warehouse_id in keys:
        match |= Q(product_id=product_id, warehouse_id=warehouse_id)
    existing = set(
        StockItem.objects.filter(match).values_list("product_id", "warehouse_id")
    )
    missing = [
        StockItem(product_id=product_id, warehouse_id=warehouse_id)
        for product_id, warehouse_id in keys
        if (product_id, warehouse_id) not in existing
    ]
    if missing:
        # Another transaction may create the same row meanwhile: keep its row.
        StockItem.objects.bulk_create(missing, ignore_conflicts=True)
    items = StockItem.objects.select_for_update().filter(match).order_by("pk")
    return {(item.product_id, item.warehouse_id): item for item in items}


@transaction.atomic
def _moves_apply(
    moves: Sequence[_Move],
    *,
    reference: str,
    source: models.Model | None,
    user: AbstractBaseUser | None,
) -> list[StockMovement]:
    """Apply all moves or none: lock, check each in order, write rows and ledger."""
    if len(reference) > 100:
        raise ValidationError({"reference": _("At most 100 characters.")})
    items = _items_locked((m.product.pk, m.warehouse.pk) for m in moves)
    shortages: list[Shortage] = []
    errors: list[ValidationError] = []
    now = timezone.now()
    source_type = (
        ContentType.objects.get_for_model(source) if source is not None else None
    )
    movements: list[StockMovement] = []
    for move in moves:
        item = items[(move.product.pk, move.warehouse.pk)]
        available = item.on_hand - item.reserved
        if move.needs_available and available < move.quantity:
            shortages.append(
                Shortage(move.product, move.warehouse, move.quantity, available)
            )
            continue
        if move.reserved_delta < 0 and item.reserved < -move.reserved_delta:
            errors.append(
                ValidationError(
                    _(
                        "Cannot take %(quantity)d of %(product)s in %(warehouse)s "
                        "from reservations: only %(reserved)d reserved."
                    ),
                    code="not_reserved",
                    params={
                        "quantity": move.quantity,
                        "product": move.product,
                        "warehouse": move.warehouse,
                        "reserved": item.reserved,
                    },
                )
            )
            continue
        item.on_hand += move.on_hand_delta
        item.reserved += move.reserved_delta
        # Unreachable when the checks above hold; kept as the last line of defence
        # before the database's own CHECK constraints.
        if not 0 <= item.reserved <= item.on_hand:
            raise AssertionError(f"stock invariant broken by {move}")
        movements.append(
            StockMovement(
                product=move.product,
                warehouse=move.warehouse,
                kind=move.kind,
                quantity=move.quantity,
                on_hand_delta=move.on_hand_delta,
                reserved_delta=move.reserved_delta,
                on_hand_after=item.on_hand,
                reserved_after=item.reserved,
                other_warehouse=move.other_warehouse,
                reason=move.reason,
                reference=reference,
                source_type=source_type,
                source_id=source.pk if source is not None else None,
                user=user,
                created_at=now,
            )
        )
    if shortages:
        raise InsufficientStock(shortages)
    if errors:
        raise ValidationError(errors)
    for item in items.values():
        item.save(update_fields=["on_hand", "reserved", "updated_at"])
    return StockMovement.objects.bulk_create(movements)


def _one(
    move: _Move,
    *,
    reference: str,
    source: models.Model | None,
    user: AbstractBaseUser | None,
) -> StockMovement:
    return _moves_apply([move], reference=reference, source=source, user=user)[0]


# Single moves -------------------------------------------------------------------------


def stock_receive(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
    note: str = "",
) -> StockMovement:
    """Goods arrive from a supplier: on_hand += quantity."""
    q = _quantity_check(quantity)
    if not warehouse.is_active:
        raise ValidationError(
            {"warehouse": _("%(warehouse)s is inactive.") % {"warehouse": warehouse}}
        )
    return _one(
        _Move(product, warehouse, Kind.RECEIPT, q, q, 0, reason=note[:200]),
        reference=reference,
        source=source,
        user=user,
    )


def stock_return(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
    note: str = "",
) -> StockMovement:
    """Goods come back from a customer into stock: on_hand += quantity."""
    q = _quantity_check(quantity)
    return _one(
        _Move(product, warehouse, Kind.RETURN, q, q, 0, reason=note[:200]),
        reference=reference,
        source=source,
        user=user,
    )


def stock_reserve(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
) -> StockMovement:
    """Promise units to an order: reserved += quantity. Raises InsufficientStock
    when fewer than ``quantity`` are available."""
    q = _quantity_check(quantity)
    return _one(
        _Move(product, warehouse, Kind.RESERVATION, q, 0, q, needs_available=True),
        reference=reference,
        source=source,
        user=user,
    )


def stock_release(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
) -> StockMovement:
    """Give back a reservation (an order cancelled or changed): reserved -= quantity."""
    q = _quantity_check(quantity)
    return _one(
        _Move(product, warehouse, Kind.RELEASE, q, 0, -q),
        reference=reference,
        source=source,
        user=user,
    )


def stock_ship(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
    from_reservation: bool = True,
) -> StockMovement:
    """Goods leave for a customer: on_hand -= quantity, and the reservation made for
    them is consumed (reserved -= quantity). With ``from_reservation=False`` the
    units are taken from what is available instead (a sale that was never
    reserved)."""
    q = _quantity_check(quantity)
    move = (
        _Move(product, warehouse, Kind.SHIPMENT, q, -q, -q)
        if from_reservation
        else _Move(product, warehouse, Kind.SHIPMENT, q, -q, 0, needs_available=True)
    )
    return _one(move, reference=reference, source=source, user=user)


def stock_adjust(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reason: str,
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
) -> StockMovement:
    """Correct on hand after a count, damage or loss: on_hand += quantity, which is
    signed (negative removes). A reason is required. Removing needs the units to be
    available: reserved units must be released first."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise ValidationError({"quantity": _("Enter a non-zero whole number.")})
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the stock is adjusted.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("At most 200 characters.")})
    q = abs(quantity)
    move = _Move(
        product,
        warehouse,
        Kind.ADJUSTMENT,
        q,
        quantity,
        0,
        needs_available=quantity < 0,
        reason=reason,
    )
    return _one(move, reference=reference, source=source, user=user)


def stock_transfer(
    *,
    product: Product,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    quantity: int,
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
    note: str = "",
) -> tuple[StockMovement, StockMovement]:
    """Move available units between warehouses: a transfer_out at the source and a
    transfer_in at the destination, in one transaction."""
    q = _quantity_check(quantity)
    if from_warehouse.pk == to_warehouse.pk:
        raise ValidationError(
            {"to_warehouse": _("Pick a warehouse other than the source.")}
        )
    if not to_warehouse.is_active:
        raise ValidationError(
            {
                "to_warehouse": _("%(warehouse)s is inactive.")
                % {"warehouse": to_warehouse}
            }
        )
    moves = [
        _Move(
            product,
            from_warehouse,
            Kind.TRANSFER_OUT,
            q,
            -q,
            0,
            needs_available=True,
            other_warehouse=to_warehouse,
            reason=note[:200],
        ),
        _Move(
            product,
            to_warehouse,
            Kind.TRANSFER_IN,
            q,
            q,
            0,
            other_warehouse=from_warehouse,
            reason=note[:200],
        ),
    ]
    out, in_ = _moves_apply(moves, reference=reference, source=source, user=user)
    return out, in_


# Several lines at once (orders) -------------------------------------------------------


def _lines_moves(lines: Iterable[StockLineLike], build) -> list[_Move]:
    moves = []
    for line in lines:
        q = _quantity_check(line.quantity)
        moves.append(build(line, q))
    if not moves:
        raise ValidationError(_("There are no lines to move."))
    return moves


def stock_reserve_lines(
    *,
    lines: Iterable[StockLineLike],
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
) -> list[StockMovement]:
    """Reserve every line or none (confirming an order). Rows are locked in primary-
    key order; if any line is short, InsufficientStock lists every short line.
    Two lines of the same product and warehouse add up."""
    moves = _lines_moves(
        lines,
        lambda line, q: _Move(
            line.product,
            line.warehouse,
            Kind.RESERVATION,
            q,
            0,
            q,
            needs_available=True,
        ),
    )
    return _moves_apply(moves, reference=reference, source=source, user=user)


def stock_release_lines(
    *,
    lines: Iterable[StockLineLike],
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
) -> list[StockMovement]:
    """Release every line's reservation or none (cancelling an order)."""
    moves = _lines_moves(
        lines,
        lambda line, q: _Move(line.product, line.warehouse, Kind.RELEASE, q, 0, -q),
    )
    return _moves_apply(moves, reference=reference, source=source, user=user)


def stock_ship_lines(
    *,
    lines: Iterable[StockLineLike],
    reference: str = "",
    source: models.Model | None = None,
    user: AbstractBaseUser | None = None,
) -> list[StockMovement]:
    """Ship every line from its reservation, or none (a shipment of an order)."""
    moves = _lines_moves(
        lines,
        lambda line, q: _Move(line.product, line.warehouse, Kind.SHIPMENT, q, -q, -q),
    )
    return _moves_apply(moves, reference=reference, source=source, user=user)


# Low-stock alerts ---------------------------------------------------------------------


@dataclass
class LowStockSyncResult:
    checked: int
    low: int
    opened: list[int]
    closed: list[int]

    @property
    def still_open(self) -> int:
        return self.low - len(self.opened)


def _notify_on_commit(alert_id: int) -> None:
    """E-mail the managers about the alert in a worker, once committed. If the job
    queue is down the alert stays unnotified and the next check queues it again
    (NOTIFY_RETRY_AFTER)."""
    from inventory.tasks import low_stock_alert_notify as notify_task

    transaction.on_commit(
        lambda: enqueue(notify_task, (alert_id,), what=f"Low-stock alert {alert_id}")
    )


def low_stock_alerts_sync(*, now: datetime | None = None) -> LowStockSyncResult:
    """Open an alert for each active product whose available quantity across all
    warehouses is at or below its reorder point (products with reorder point 0 are
    not watched), and close the open alerts of products that recovered.

    Idempotent: an open alert is never duplicated (a partial unique constraint
    backs this), so running it every hour e-mails once per alert. Each new alert's
    e-mail is queued after the transaction commits; an open alert still not e-mailed
    after NOTIFY_RETRY_AFTER is queued again.
    """
    from inventory.selectors import product_available_totals

    now = now or timezone.now()
    watched = product_available_totals(
        products=Product.objects.filter(is_active=True, reorder_point__gt=0)
    )
    low = {
        row["pk"]: row
        for row in watched
        if row["available_total"] <= row["reorder_point"]
    }
    opened: list[int] = []
    closed: list[int] = []
    with transaction.atomic():
        open_alerts = {
            alert.product_id: alert
            for alert in LowStockAlert.objects.open().select_for_update()
        }
        for product_id, row in low.items():
            if product_id in open_alerts:
                continue
            try:
                with transaction.atomic():
                    alert = LowStockAlert.objects.create(
                        product_id=product_id,
                        opened_at=now,
                        available_at_open=row["available_total"],
                        reorder_point_at_open=row["reorder_point"],
                    )
            except IntegrityError:
                continue  # another run opened it a moment ago
            opened.append(alert.pk)
            _notify_on_commit(alert.pk)
        # An e-mail lost on the way (broker restarted, retries used up) is queued
        # again; the claim in low_stock_alert_notify keeps it to one mail.
        for alert in open_alerts.values():
            stale = alert.opened_at < now - NOTIFY_RETRY_AFTER
            if alert.notified_at is None and stale and alert.product_id in low:
                _notify_on_commit(alert.pk)
        recovered = [a for pid, a in open_alerts.items() if pid not in low]
        if recovered:
            current = {
                row["pk"]: row["available_total"]
                for row in product_available_totals(
                    products=Product.objects.filter(
                        pk__in=[a.product_id for a in recovered]
                    )
                )
            }
            for alert in recovered:
                alert.closed_at = now
                alert.available_at_close = current.get(alert.product_id, 0)
                alert.save(update_fields=["closed_at", "available_at_close"])
                closed.append(alert.pk)
    return LowStockSyncResult(
        checked=len(watched), low=len(low), opened=opened, closed=closed
    )


NOTIFY_RETRY_AFTER = timedelta(minutes=30)


def _manager_emails() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(groups__name=SALES_MANAGER, is_active=True)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def low_stock_alert_notify(*, alert: LowStockAlert) -> bool:
    """E-mail the managers about one alert, once. Returns whether a mail was sent.

    The alert is claimed (notified_at set) in a short transaction before sending, so
    two workers never both send; if sending fails the claim is undone and the error
    re-raised for the task to retry. No mail is sent for an alert already closed.
    """
    recipients = _manager_emails()
    if not recipients:
        return False  # left pending: a later check tries again
    claimed = LowStockAlert.objects.filter(
        pk=alert.pk, notified_at__isnull=True, closed_at__isnull=True
    ).update(notified_at=timezone.now())
    if not claimed:
        return False
    alert = LowStockAlert.objects.select_related("product").get(pk=alert.pk)
    from inventory.selectors import suggested_reorder_quantity

    product = alert.product
    available = alert.available_at_open
    suggested = suggested_reorder_quantity(
        available=available,
        reorder_point=product.reorder_point,
        reorder_quantity=product.reorder_quantity,
    )
    subject = _("Low stock: %(sku)s %(name)s (%(available)d available)") % {
        "sku": product.sku,
        "name": product.name,
        "available": available,
    }
    body = _(
        "%(product)s is at or below its reorder point.\n\n"
        "Available in all warehouses: %(available)d\n"
        "Reorder point: %(reorder_point)d\n"
        "Suggested order: %(suggested)d %(unit)s\n\n"
        "Open low-stock alerts are listed under Inventory > Low-stock alerts.\n"
    ) % {
        "product": product,
        "available": available,
        "reorder_point": product.reorder_point,
        "suggested": suggested,
        "unit": product.get_unit_display().lower(),
    }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        LowStockAlert.objects.filter(pk=alert.pk).update(notified_at=None)
        raise
    return True


# Warehouses ---------------------------------------------------------------------------


@transaction.atomic
def warehouse_ensure(*, code: str, name: str, address: str = "") -> Warehouse:
    """The warehouse with this code, created if missing (demo data, set-up)."""
    warehouse, _created = Warehouse.objects.get_or_create(
        code=code, defaults={"name": name, "address": address}
    )
    return warehouse


def _warehouse_fields_clean(*, code: str, name: str, address: str) -> dict:
    code, name, address = code.strip().upper(), name.strip(), address.strip()
    errors = {}
    if not code:
        errors["code"] = _("Enter a code.")
    elif len(code) > 16:
        errors["code"] = _("At most 16 characters.")
    elif not all(c.isalnum() or c in "-_" for c in code):
        errors["code"] = _("Use letters, digits, - and _ only.")
    if not name:
        errors["name"] = _("Enter a name.")
    elif len(name) > 100:
        errors["name"] = _("At most 100 characters.")
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name, "address": address}


def _code_taken_check(*, code: str, exclude_pk: int | None = None) -> None:
    taken = Warehouse.objects.filter(code__iexact=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {
                "code": _("Another warehouse already has the code %(code)s.")
                % {"code": code}
            }
        )


@transaction.atomic
def warehouse_create(
    *, code: str, name: str, address: str = "", is_active: bool = True
) -> Warehouse:
    """A new warehouse; codes are stored upper-case and unique whatever the case."""
    fields = _warehouse_fields_clean(code=code, name=name, address=address)
    _code_taken_check(code=fields["code"])
    return Warehouse.objects.create(**fields, is_active=is_active)


@transaction.atomic
def warehouse_update(
    *, warehouse: Warehouse, code: str, name: str, address: str = ""
) -> Warehouse:
    """Change a warehouse's code, name and address (its stock stays where it is)."""
    fields = _warehouse_fields_clean(code=code, name=name, address=address)
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    _code_taken_check(code=fields["code"], exclude_pk=warehouse.pk)
    for field, value in fields.items():
        setattr(warehouse, field, value)
    warehouse.save(update_fields=[*fields])
    return warehouse


@transaction.atomic
def warehouse_set_active(*, warehouse: Warehouse, active: bool) -> Warehouse:
    """Activate or deactivate a warehouse. Deactivating one that still holds stock
    or reservations is refused: inactive warehouses take no stock, so those units
    could neither be shipped nor moved out."""
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    if not active:
        # Row locks on the stock rows: no receipt or reservation slips in between.
        held = list(
            StockItem.objects.select_for_update()
            .filter(warehouse=warehouse)
            .filter(Q(on_hand__gt=0) | Q(reserved__gt=0))
            .values_list("on_hand", "reserved")
        )
        reserved = sum(r for _on_hand, r in held)
        on_hand = sum(o for o, _reserved in held)
        if reserved:
            raise ValidationError(
                _(
                    "%(warehouse)s has %(reserved)d units reserved for confirmed "
                    "orders: ship or cancel them before deactivating it."
                )
                % {"warehouse": warehouse, "reserved": reserved},
                code="reserved",
            )
        if on_hand:
            raise ValidationError(
                _(
                    "%(warehouse)s still holds %(on_hand)d units: transfer or adjust "
                    "them out before deactivating it."
                )
                % {"warehouse": warehouse, "on_hand": on_hand},
                code="holds_stock",
            )
    if warehouse.is_active != active:
        warehouse.is_active = active
        warehouse.save(update_fields=["is_active"])
    return warehouse
