"""Order history imports from CSV: a declaration on sms.import_pipeline (the
command, the import page, the job); the benchmark calls ``order_import``.

One row per order line; rows with the same ``order_number`` form one order, its
lines in the order of the file. Columns (header names are matched without regard to
case; docs/import-formats.md, "Orders", is the user's guide):

=================== ==========================================================
order_number        required; up to 40 characters
customer            required; the customer's external reference, or else the
                    customer's e-mail address (without regard to case)
order_date          required; YYYY-MM-DD, not in the future
sku                 required; an existing product (active or not)
quantity            required; whole number, 1 or more
unit_price          required; 0 or more, at most four decimals
status              delivered (default), shipped or cancelled
paid                yes or no; blank: yes, except for cancelled orders
discount_percent    the line's discount, 0 to 100 (default 0)
tax_rate            percent, 0 to 100 (default: the product's rate)
warehouse           a warehouse code (default: the first active warehouse)
product_name        the name of a product created for an unknown SKU (only with
                    the create_products option; else ignored)
=================== ==========================================================

Historical orders never reserve or move stock: they are written as they ended up
(delivered, shipped or cancelled), marked ``imported``, with their amounts computed
by orders.pricing exactly as orders.services computes them, one payment of the total
for a paid order and one status change ("Imported as delivered"). No stock movement,
shipment or e-mail is written.

Every row is checked before anything is written (sms.imports). Customer, date,
status, paid and warehouse belong to the order, so the rows of one order must agree
on them; a row that disagrees with the order's first row is reported on its own line.
An order is written whole or not at all: when one of its lines is bad, its other
lines are reported too ("Not imported: ..."), so the good-rows-only import leaves the
whole order out and the bad-rows download holds every line needed to import it again.

An order number that already exists is never changed: its rows are skipped and
listed as already present (not as problems), whether or not the file's content
differs from the order in the database. Importing the same file twice therefore
creates nothing the second time.

Everything needed from the database (existing order numbers, customers, products,
warehouses) is loaded in a few batched queries up front, and the orders, lines,
payments and status changes are written with bulk_create in a few statements per
thousand orders: the number of queries does not grow with the rows of a file.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from customers.models import Customer
from customers.services import email_key
from inventory.models import Warehouse
from orders.models import Order, OrderLine, OrderTransition, Payment
from orders.pricing import line_amounts, order_amounts
from orders.signals import orders_bulk_changed
from products.models import Product
from products.services import (
    SKU_PATTERN,
    ProductRow,
    product_import_write,
    sku_normalize,
)
from sms.import_pipeline import (
    Fix,
    ImportContext,
    ImportDeclaration,
    ImportPlanner,
    Progress,
    import_run,
)
from sms.imports import ImportResult, date_check
from sms.money import ZERO

REQUIRED_COLUMNS = (
    "order_number",
    "customer",
    "order_date",
    "sku",
    "quantity",
    "unit_price",
)
OPTIONAL_COLUMNS = (
    "status",
    "paid",
    "discount_percent",
    "tax_rate",
    "warehouse",
    "product_name",  # read only to name a product created by create_products
)
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
# What belongs to the order rather than to the line: every row of an order agrees.
ORDER_COLUMNS = ("customer", "order_date", "status", "paid", "warehouse")

Status = Order.Status
IMPORTABLE_STATUSES = (Status.DELIVERED, Status.SHIPPED, Status.CANCELLED)
PAYMENT_REFERENCE = "Imported"
NEW_PRODUCTS_CATEGORY = "Imported from orders"

NUMBER_MAX_LENGTH = Order._meta.get_field("number").max_length
QUANTITY_MAX = 10_000_000
LINES_PER_ORDER_MAX = 32_767  # OrderLine.position is a PositiveSmallIntegerField
AMOUNT_LIMIT = Decimal("1000000000000")  # money fields: 12 digits before the point
UNIT_PRICE_PLACES = Decimal("0.0001")

# Look-ups by value lists stay below SQLite's historical 999-variable limit.
LOOKUP_CHUNK = 900
# Orders per round of inserts (orders, lines, payments, status changes).
WRITE_BATCH = 1000
# Bind parameters per INSERT statement: PostgreSQL's protocol caps them at 65,535.
PARAMS_PER_STATEMENT = 60_000

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PRICE_PATTERN = re.compile(r"^\d{1,10}(\.\d{1,4})?$")
PERCENT_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,2})?$")
YES_WORDS = {"yes", "y", "true", "1"}
NO_WORDS = {"no", "n", "false", "0"}
PROGRESS_EVERY = 500


def _status_words() -> dict[str, str]:
    words = {}
    for value, label in Status.choices:
        for text in (value, str(label)):
            words[" ".join(text.lower().replace("_", " ").split())] = value
    words["canceled"] = Status.CANCELLED
    return words


_STATUS_WORDS = _status_words()


@dataclass
class SkippedOrder:
    """An order of the file whose number exists already: left as it is."""

    number: str
    line: int  # its first line in the file
    lines: int
    same: bool  # the file says what the database holds (customer, date, status, lines)

    @property
    def reason(self) -> str:
        if self.same:
            return _("Order %(number)s already exists; left unchanged.") % {
                "number": self.number
            }
        return _(
            "Order %(number)s already exists and differs from this file (customer, "
            "date, status or lines); left unchanged: an import never changes an "
            "existing order."
        ) % {"number": self.number}


@dataclass
class OrderImportResult(ImportResult):
    """An ImportResult (rows are order lines) plus what happens to whole orders."""

    orders_to_create: int = 0
    lines_to_create: int = 0
    lines_created: int = 0
    products_created: int = 0
    skipped: list[SkippedOrder] = field(default_factory=list)
    # New orders left out because at least one of their lines is bad.
    rejected: list[str] = field(default_factory=list)

    @property
    def skipped_lines(self) -> int:
        return sum(s.lines for s in self.skipped)

    @property
    def bad_rows(self) -> int:
        return self.rows - self.good_rows


@dataclass
class _Line:
    """One parsed row. ``order`` holds the order-level values that parsed; a column
    missing from it had a problem (reported in ``errors``)."""

    line: int
    values: dict[str, str]
    number: str = ""
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    order: dict[str, object] = field(default_factory=dict)
    product: Product | None = None
    quantity: int = 0
    unit_price: Decimal = ZERO
    discount: Decimal = ZERO
    tax_rate: Decimal | None = None  # None: the product's


@dataclass
class OrderPlan:
    """A new order, ready to insert."""

    order: Order
    lines: list[OrderLine]
    payment: Payment | None
    transition: OrderTransition


_SKIP = object()  # the outcome of a row of an existing order


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _paid_default(status) -> bool:
    return status != Status.CANCELLED


class OrderImportPlanner:
    """Checks every row against the database and the other rows of its order, and
    builds the orders to write.

    Everything it needs from the database is loaded in a few batched queries when it
    is built. ``outcome(line)`` is then, per row: an OrderPlan (the row is part of a
    good new order), _SKIP (the order exists) or a dict of errors by column.
    """

    def __init__(
        self,
        *,
        rows: list[tuple[int, dict[str, str]]],
        imported_by: AbstractBaseUser | None = None,
        progress: Progress | None = None,
        today: date | None = None,
        new_products: dict[str, Product] | None = None,
    ):
        self.imported_by = imported_by
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        self.plans: list[OrderPlan] = []
        self.skipped: list[SkippedOrder] = []
        self.rejected: list[str] = []
        self._outcomes: dict[int, object] = {}
        self._load([values for _line, values in rows])
        for sku, product in (new_products or {}).items():
            self.products.setdefault(sku, product)
        lines = []
        for start in range(0, len(rows), PROGRESS_EVERY):
            chunk = rows[start : start + PROGRESS_EVERY]
            lines.extend(self._parse(line, values) for line, values in chunk)
            if progress:
                progress("checking", len(chunk), len(rows))
        self._plan(lines)

    def outcome(self, line: int):
        return self._outcomes[line]

    # -- database look-ups, batched --------------------------------------------

    def _load(self, rows: list[dict[str, str]]) -> None:
        numbers = sorted({r.get("order_number", "") for r in rows} - {""})
        self.existing: dict[str, dict] = {}
        for chunk in _chunks(numbers, LOOKUP_CHUNK):
            for order in Order.objects.filter(number__in=chunk).values(
                "pk", "number", "customer_id", "order_date", "status"
            ):
                order["lines"] = Counter()
                self.existing[order["number"]] = order
        by_pk = {order["pk"]: order for order in self.existing.values()}
        for chunk in _chunks(sorted(by_pk), LOOKUP_CHUNK):
            for order_id, sku, quantity, price in OrderLine.objects.filter(
                order_id__in=chunk
            ).values_list("order_id", "sku", "quantity", "unit_price"):
                by_pk[order_id]["lines"][(sku, quantity, price)] += 1

        fields = (
            "pk",
            "name",
            "external_ref",
            "email_key",
            "owner",
            "payment_terms_days",
            "merged_into",
        )
        texts = sorted({r.get("customer", "") for r in rows} - {""})
        self.by_ref: dict[str, Customer] = {}
        for chunk in _chunks(texts, LOOKUP_CHUNK):
            for customer in Customer.objects.filter(external_ref__in=chunk).only(
                *fields
            ):
                self.by_ref[customer.external_ref] = customer
        emails = sorted(
            {email_key(t) for t in texts if t not in self.by_ref and "@" in t}
        )
        self.by_email: dict[str, list[Customer]] = defaultdict(list)
        for chunk in _chunks(emails, LOOKUP_CHUNK):
            for customer in (
                Customer.objects.filter(email_key__in=chunk, merged_into__isnull=True)
                .only(*fields)
                .order_by("pk")
            ):
                self.by_email[customer.email_key].append(customer)

        skus = sorted({sku_normalize(r.get("sku", "")) for r in rows} - {""})
        self.products: dict[str, Product] = {}
        for chunk in _chunks(skus, LOOKUP_CHUNK):
            for product in Product.objects.filter(sku__in=chunk).only(
                "pk", "sku", "name", "tax_rate", "cost"
            ):
                self.products[product.sku] = product

        warehouses = list(Warehouse.objects.order_by("code"))
        self.warehouses = {w.code.upper(): w for w in warehouses}
        self.default_warehouse = next((w for w in warehouses if w.is_active), None)

    # -- one row ------------------------------------------------------------------

    def _parse(self, line: int, values: dict[str, str]) -> _Line:
        row = _Line(line=line, values=values)
        errors = row.errors
        # A row of the wrong shape is reported by sms.imports.import_rows; noted
        # here too so that its order is left out whole.
        errors[""].extend(getattr(values, "problems", ()))
        if not errors[""]:
            del errors[""]
        number = values.get("order_number", "")
        if not number:
            errors["order_number"].append(_("Required."))
        elif len(number) > NUMBER_MAX_LENGTH:
            errors["order_number"].append(
                _("At most %(max)d characters (this has %(length)d).")
                % {"max": NUMBER_MAX_LENGTH, "length": len(number)}
            )
        else:
            row.number = number

        parsers = (
            ("customer", self._customer),
            ("order_date", self._date),
            ("status", self._status),
            ("paid", self._paid),
            ("warehouse", self._warehouse),
        )
        for column, parse in parsers:
            try:
                row.order[column] = parse(values.get(column, ""))
            except ValueError as exc:
                errors[column].append(str(exc))
        for column, parse in (
            ("sku", self._product),
            ("quantity", self._quantity),
            ("unit_price", self._price),
            ("discount_percent", self._percent),
            ("tax_rate", self._percent),
        ):
            try:
                value = parse(values.get(column, ""))
            except ValueError as exc:
                errors[column].append(str(exc))
                continue
            if column == "sku":
                row.product = value
            elif column == "quantity":
                row.quantity = value
            elif column == "unit_price":
                row.unit_price = value
            elif column == "discount_percent":
                row.discount = ZERO if value is None else value
            else:
                row.tax_rate = value
        return row

    def _customer(self, text: str) -> Customer:
        if not text:
            raise ValueError(
                _("Required: the customer's external reference or e-mail.")
            )
        customer = self.by_ref.get(text)
        if customer is None:
            matches = self.by_email.get(email_key(text), []) if "@" in text else []
            if len(matches) > 1:
                raise ValueError(
                    _(
                        "%(count)d customers have the e-mail '%(email)s'; use the "
                        "customer's external reference."
                    )
                    % {"count": len(matches), "email": text}
                )
            customer = matches[0] if matches else None
        if customer is None:
            raise ValueError(
                _("No customer has the external reference or e-mail '%(text)s'.")
                % {"text": text}
            )
        if customer.merged_into_id:
            raise ValueError(
                _(
                    "Customer #%(pk)d '%(name)s' was merged into customer "
                    "#%(survivor)d; use that customer's reference or e-mail."
                )
                % {
                    "pk": customer.pk,
                    "name": customer.name,
                    "survivor": customer.merged_into_id,
                }
            )
        return customer

    def _date(self, text: str) -> date:
        if not text:
            raise ValueError(_("Required."))
        try:
            if not DATE_PATTERN.match(text):
                raise ValueError
            value = date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _("'%(text)s' is not a date: write YYYY-MM-DD (e.g. 2024-03-31).")
                % {"text": text}
            ) from None
        return date_check(
            value,
            text=text,
            latest=self.today,
            latest_reason=_("%(date)s is in the future; order history ends today.")
            % {"date": text},
        )

    def _status(self, text: str) -> str:
        if not text:
            return Status.DELIVERED
        value = _STATUS_WORDS.get(" ".join(text.lower().replace("_", " ").split()))
        if value in IMPORTABLE_STATUSES:
            return value
        if value is not None:
            raise ValueError(
                _(
                    "'%(text)s' cannot be imported: historical orders never reserve "
                    "or move stock, so they are delivered, shipped or cancelled. "
                    "Enter open orders in the application."
                )
                % {"text": text}
            )
        raise ValueError(
            _("Unknown status '%(text)s'. Allowed: delivered, shipped, cancelled.")
            % {"text": text}
        )

    @staticmethod
    def _paid(text: str) -> bool | None:
        word = text.lower()
        if not word:
            return None  # the default, which depends on the status
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise ValueError(_("'%(text)s' is not yes or no.") % {"text": text})

    def _warehouse(self, text: str) -> Warehouse:
        if not text:
            if self.default_warehouse is None:
                raise ValueError(
                    _("There is no active warehouse: name one in this column.")
                )
            return self.default_warehouse
        warehouse = self.warehouses.get(text.upper())
        if warehouse is None:
            codes = ", ".join(w.code for w in self.warehouses.values())
            raise ValueError(
                _("Unknown warehouse '%(text)s'. Codes: %(codes)s.")
                % {"text": text, "codes": codes or "-"}
            )
        return warehouse

    def _product(self, text: str) -> Product:
        if not text:
            raise ValueError(_("Required."))
        product = self.products.get(sku_normalize(text))
        if product is None:
            raise ValueError(_("No product has the SKU '%(sku)s'.") % {"sku": text})
        return product

    @staticmethod
    def _quantity(text: str) -> int:
        text = text.replace(" ", "")
        if not text:
            raise ValueError(_("Required."))
        if not text.isdigit() or int(text) < 1:
            raise ValueError(
                _("'%(text)s' is not a whole number of 1 or more.") % {"text": text}
            )
        if int(text) > QUANTITY_MAX:
            raise ValueError(_("At most %(max)d.") % {"max": QUANTITY_MAX})
        return int(text)

    @staticmethod
    def _price(text: str) -> Decimal:
        text = text.replace(" ", "")
        if not text:
            raise ValueError(_("Required."))
        if text.startswith("-"):
            raise ValueError(_("Must not be negative."))
        if not PRICE_PATTERN.match(text):
            raise ValueError(
                _(
                    "'%(text)s' is not a price: write digits with a dot for decimals "
                    "and at most four decimals, without a currency sign or thousands "
                    "separators (e.g. 1250.50 or 0.3350)."
                )
                % {"text": text}
            )
        return Decimal(text).quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)

    @staticmethod
    def _percent(text: str) -> Decimal | None:
        text = text.replace(" ", "").removesuffix("%")
        if not text:
            return None
        try:
            if not PERCENT_PATTERN.match(text):
                raise InvalidOperation
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or value > 100:
            raise ValueError(
                _(
                    "'%(text)s' is not a percentage: write a number from 0 to 100 "
                    "with at most two decimals (e.g. 7.5)."
                )
                % {"text": text}
            )
        return value

    # -- whole orders ---------------------------------------------------------------

    def _plan(self, lines: list[_Line]) -> None:
        orders: dict[str, list[_Line]] = {}
        for row in lines:
            if row.number:
                orders.setdefault(row.number, []).append(row)
            else:
                self._outcomes[row.line] = row.errors
        for number, rows in orders.items():
            existing = self.existing.get(number)
            if existing is not None:
                self.skipped.append(
                    SkippedOrder(
                        number=number,
                        line=rows[0].line,
                        lines=len(rows),
                        same=self._same(existing, rows),
                    )
                )
                for row in rows:
                    self._outcomes[row.line] = _SKIP
                continue
            self._repeats(number, rows)
            self._agree(number, rows)
            plan = None
            if not any(row.errors for row in rows):
                plan = self._build(number, rows)
            if plan is None:
                self._reject(number, rows)
                continue
            self.plans.append(plan)
            for row in rows:
                self._outcomes[row.line] = plan

    @staticmethod
    def _repeats(number: str, rows: list[_Line]) -> None:
        """A row that repeats an earlier row of its order cell for cell is an error:
        importing it would silently double the line. (The same SKU with other
        values, e.g. a second line at another price, is a line of its own.)"""
        first_line: dict[tuple, int] = {}
        for row in rows:
            cells = tuple(sorted(row.values.items()))
            if cells in first_line:
                row.errors[""].append(
                    _(
                        "Repeats line %(line)d (order %(number)s, SKU %(sku)s) cell "
                        "for cell: importing both would count the line twice. Delete "
                        "this row, or write the total quantity on one row."
                    )
                    % {
                        "line": first_line[cells],
                        "number": number,
                        "sku": row.values.get("sku", ""),
                    }
                )
            else:
                first_line[cells] = row.line

    def _agree(self, number: str, rows: list[_Line]) -> None:
        """Order-level values: the first row that gives one sets it; a later row
        that says otherwise is reported on its own line."""
        status = next(
            (row.order["status"] for row in rows if "status" in row.order), None
        )
        if len(rows) > LINES_PER_ORDER_MAX:
            rows[LINES_PER_ORDER_MAX].errors["order_number"].append(
                _("An order has at most %(max)d lines.") % {"max": LINES_PER_ORDER_MAX}
            )
        for row in rows:
            if status == Status.CANCELLED and row.order.get("paid") is True:
                row.errors["paid"].append(
                    _(
                        "A cancelled order cannot have been paid: leave paid blank "
                        "or write no."
                    )
                )
                del row.order["paid"]
        for column in ORDER_COLUMNS:
            if column == "paid" and status is None:
                continue  # its default depends on a status that is not known
            first: tuple[_Line, object] | None = None
            for row in rows:
                if column not in row.order:
                    continue
                value = row.order[column]
                if column == "paid" and value is None:
                    value = _paid_default(status)
                if first is None:
                    first = (row, value)
                elif self._key(column, value) != self._key(column, first[1]):
                    row.errors[column].append(
                        _(
                            "Order %(number)s has %(column)s %(first)s on line "
                            "%(line)d, this line %(this)s: the lines of an order "
                            "must agree on customer, order_date, status, paid and "
                            "warehouse."
                        )
                        % {
                            "number": number,
                            "column": column,
                            "first": self._shown(column, first[0], first[1]),
                            "line": first[0].line,
                            "this": self._shown(column, row, value),
                        }
                    )

    @staticmethod
    def _key(column: str, value):
        return value.pk if column in ("customer", "warehouse") else value

    @staticmethod
    def _shown(column: str, row: _Line, value) -> str:
        if column == "customer":
            return f"'{row.values.get('customer', '')}'"
        if column == "warehouse":
            return f"'{value.code}'"
        if column == "paid":
            return "'yes'" if value else "'no'"
        return f"'{value}'"

    def _reject(self, number: str, rows: list[_Line]) -> None:
        bad = [row.line for row in rows if row.errors]
        shown = ", ".join(str(line) for line in bad[:5]) + (
            ", ..." if len(bad) > 5 else ""
        )
        for row in rows:
            if not row.errors:
                row.errors["order_number"].append(
                    _(
                        "Not imported: order %(number)s has problems on line(s) "
                        "%(lines)s, and an order is imported whole or not at all."
                    )
                    % {"number": number, "lines": shown}
                )
            self._outcomes[row.line] = row.errors
        self.rejected.append(number)

    @staticmethod
    def _same(existing: dict, rows: list[_Line]) -> bool:
        if any(row.errors for row in rows):
            return False
        first = rows[0].order
        lines = Counter((row.product.sku, row.quantity, row.unit_price) for row in rows)
        return (
            existing["customer_id"] == first["customer"].pk
            and existing["order_date"] == first["order_date"]
            and existing["status"] == first["status"]
            and existing["lines"] == lines
        )

    def _build(self, number: str, rows: list[_Line]) -> OrderPlan | None:
        """The order, its lines, payment and status change, with the amounts of
        orders.pricing computed as orders.services computes them."""
        head = {}
        for column in ORDER_COLUMNS:
            head[column] = rows[0].order[column]
        customer: Customer = head["customer"]
        status = head["status"]
        paid = head["paid"]
        paid = _paid_default(status) if paid is None else paid
        order_date: date = head["order_date"]
        order = Order(
            number=number,
            customer=customer,
            owner_id=customer.owner_id,
            warehouse=head["warehouse"],
            order_date=order_date,
            status=status,
            discount_percent=ZERO,
            payment_terms_days=customer.payment_terms_days,
            created_by=self.imported_by,
            created_at=self.now,
            imported=True,
        )
        amounts, lines = [], []
        shipped = status in (Status.SHIPPED, Status.DELIVERED)
        for position, row in enumerate(rows, start=1):
            product = row.product
            tax_rate = product.tax_rate if row.tax_rate is None else row.tax_rate
            amount = line_amounts(
                quantity=row.quantity,
                unit_price=row.unit_price,
                discount_percent=row.discount,
                tax_rate=tax_rate,
                order_discount_percent=order.discount_percent,
            )
            if amount.gross >= AMOUNT_LIMIT:
                row.errors["unit_price"].append(
                    _("The line's amount %(amount)s is too large.")
                    % {"amount": amount.gross}
                )
            amounts.append(amount)
            lines.append(
                OrderLine(
                    order=order,
                    position=position,
                    product=product,
                    sku=product.sku,
                    description=product.name,
                    quantity=row.quantity,
                    unit_price=row.unit_price,
                    discount_percent=row.discount,
                    tax_rate=tax_rate,
                    unit_cost=product.cost,
                    gross_amount=amount.gross,
                    discount_amount=amount.discount,
                    net_amount=amount.net,
                    tax_amount=amount.tax,
                    quantity_shipped=row.quantity if shipped else 0,
                )
            )
        totals = order_amounts(lines=amounts, shipping=ZERO)
        if totals.subtotal >= AMOUNT_LIMIT or totals.total >= AMOUNT_LIMIT:
            rows[0].errors[""].append(
                _("The order's total %(amount)s is too large.")
                % {"amount": max(totals.subtotal, totals.total)}
            )
        if any(row.errors for row in rows):
            return None
        order.subtotal = totals.subtotal
        order.discount_total = totals.discount
        order.net_total = totals.net
        order.tax_total = totals.tax
        order.shipping_charge = totals.shipping
        order.total = totals.total

        # The timestamps of a lifecycle that happened before the import.
        at = datetime.combine(
            order_date, time(), tzinfo=timezone.get_current_timezone()
        )
        if status == Status.CANCELLED:
            order.cancelled_at = at
        else:
            order.confirmed_at = order.shipped_at = at
            order.due_date = order_date + timedelta(days=order.payment_terms_days)
            if status == Status.DELIVERED:
                order.delivered_at = at

        payment = None
        if paid and order.total > 0:
            order.amount_paid = order.total
            payment = Payment(
                order=order,
                kind=Payment.Kind.PAYMENT,
                amount=order.total,
                paid_on=order_date,
                method=Payment.Method.OTHER,
                reference=PAYMENT_REFERENCE,
                created_by=self.imported_by,
                created_at=self.now,
            )
        transition = OrderTransition(
            order=order,
            from_status="",
            to_status=status,
            user=self.imported_by,
            note=_("Imported as %(status)s") % {"status": Status(status).label.lower()},
            created_at=self.now,
        )
        return OrderPlan(
            order=order, lines=lines, payment=payment, transition=transition
        )


def _statement_batch(model) -> int:
    """Rows per INSERT that keep a statement within PARAMS_PER_STATEMENT."""
    return max(1, PARAMS_PER_STATEMENT // len(model._meta.concrete_fields))


def order_plans_write(
    *, plans: Iterable[OrderPlan], progress: Progress | None = None
) -> tuple[int, int]:
    """Insert planned orders with their lines, payments and status changes; returns
    (orders, lines) written. A few statements per WRITE_BATCH orders, whatever the
    number of lines. The caller owns the transaction (sms.imports.import_rows)."""
    plans = list(plans)
    lines_written = 0
    for batch in _chunks(plans, WRITE_BATCH):
        Order.objects.bulk_create(
            [plan.order for plan in batch], batch_size=_statement_batch(Order)
        )
        # The lines, payments and status changes hold their order objects, whose
        # ids bulk_create has just set; it copies them onto order_id.
        lines = [line for plan in batch for line in plan.lines]
        OrderLine.objects.bulk_create(lines, batch_size=_statement_batch(OrderLine))
        payments = [plan.payment for plan in batch if plan.payment is not None]
        if payments:
            Payment.objects.bulk_create(payments, batch_size=_statement_batch(Payment))
        OrderTransition.objects.bulk_create(
            [plan.transition for plan in batch],
            batch_size=_statement_batch(OrderTransition),
        )
        lines_written += len(lines)
        if progress:
            progress("writing", len(batch), len(plans))
    if plans:
        transaction.on_commit(lambda: orders_bulk_changed.send(sender=Order))
    return len(plans), lines_written


def products_new(rows: list[tuple[int, dict[str, str]]]) -> dict[str, Product]:
    """Products to create for the SKUs of the file that no product has (the
    ``create_products`` option): unsaved, named by the ``product_name`` column (else
    the SKU), priced from their first line; written by ``products_new_write``."""
    found: dict[str, dict[str, str]] = {}
    for _line, values in rows:
        sku = sku_normalize(values.get("sku", ""))
        if sku and sku not in found and len(sku) <= 40 and SKU_PATTERN.match(sku):
            found[sku] = values
    skus = sorted(found)
    for chunk in _chunks(skus, LOOKUP_CHUNK):
        for sku in Product.objects.filter(sku__in=chunk).values_list("sku", flat=True):
            del found[sku]
    new = {}
    for sku, values in found.items():
        price = values.get("unit_price", "").replace(" ", "")
        rate = values.get("tax_rate", "").replace(" ", "").removesuffix("%")
        new[sku] = Product(
            sku=sku,
            name=" ".join(values.get("product_name", "").split())[:200] or sku,
            list_price=(
                Decimal(price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if PRICE_PATTERN.match(price)
                else ZERO
            ),
            cost=ZERO,
            tax_rate=Decimal(rate) if PERCENT_PATTERN.match(rate) else ZERO,
        )
    return new


def products_new_write(*, plans: list[OrderPlan], new: dict[str, Product], user) -> int:
    """Create the new products that the planned lines use (through the products
    import's write, in NEW_PRODUCTS_CATEGORY) and point the lines at them."""
    used = {line.sku for plan in plans for line in plan.lines if line.sku in new}
    if not used:
        return 0
    created, _updated = product_import_write(
        rows=[
            ProductRow(
                sku=sku,
                name=new[sku].name,
                category_path=(NEW_PRODUCTS_CATEGORY,),
                list_price=new[sku].list_price,
                cost=ZERO,
                optional={"tax_rate": new[sku].tax_rate},
            )
            for sku in sorted(used)
        ],
        user=user,
    )
    saved = {p.sku: p for p in Product.objects.filter(sku__in=sorted(used))}
    for plan in plans:
        for line in plan.lines:
            if line.sku in used:
                line.product = saved[line.sku]
    return created


class OrderPipelinePlanner(ImportPlanner):
    """Orders on the import pipeline: OrderImportPlanner checks and plans whole
    orders, order_plans_write writes them; products missing from the catalogue are
    created first when the ``create_products`` option is on (and the user may)."""

    reports_checking = True  # OrderImportPlanner reports the rows it checks

    def __init__(self, *, rows, context: ImportContext):
        super().__init__(rows=rows, context=context)
        self.user = context.owner or context.user
        create = context.options.get("create_products", False)
        if context.user is not None and not context.user.has_perm(
            "products.add_product"
        ):
            create = False
        self.new_products = products_new(rows) if create else {}
        self.planner = OrderImportPlanner(
            rows=rows,
            imported_by=self.user,
            progress=context.progress,
            new_products=self.new_products,
        )
        self.lines_written = 0
        self.products_created = 0

    def check(self, line: int, values: dict[str, str]):
        outcome = self.planner.outcome(line)
        if isinstance(outcome, dict):
            raise ValidationError(
                {column or "__all__": messages for column, messages in outcome.items()}
            )
        return outcome

    def write(self, cleaned: list) -> tuple[int, int]:
        plans = list({id(p): p for p in cleaned if isinstance(p, OrderPlan)}.values())
        self.products_created = products_new_write(
            plans=plans, new=self.new_products, user=self.user
        )
        created, self.lines_written = order_plans_write(
            plans=plans, progress=self.context.progress
        )
        return created, 0

    def writable(self, result: ImportResult) -> int:
        return sum(len(plan.lines) for plan in self.planner.plans)

    def notes(self) -> list[tuple[int, str]]:
        return [(skipped.line, skipped.reason) for skipped in self.planner.skipped]

    def facts(self, result: ImportResult) -> list[tuple[str, int]]:
        present = (
            _("Orders already present, left unchanged"),
            len(self.planner.skipped),
        )
        left_out = (_("Orders left out (a bad line)"), len(self.planner.rejected))
        if result.written:
            return [
                (_("Orders created"), result.created),
                (_("Lines created"), self.lines_written),
                (_("Products created"), self.products_created),
                present,
                left_out,
            ]
        return [
            (_("Orders to create"), len(self.planner.plans)),
            (_("Lines to create"), self.writable(result)),
            (_("Products to create"), len(self._products_planned())),
            present,
            left_out,
        ]

    def _products_planned(self) -> set[str]:
        return {
            line.sku
            for plan in self.planner.plans
            for line in plan.lines
            if line.sku in self.new_products
        }

    def result(self, result: ImportResult) -> "OrderImportResult":
        return OrderImportResult(
            **vars(result),
            orders_to_create=len(self.planner.plans),
            lines_to_create=self.writable(result),
            lines_created=self.lines_written,
            products_created=self.products_created,
            skipped=self.planner.skipped,
            rejected=self.planner.rejected,
        )


def _form_fields(user) -> dict:
    if not user.has_perm("products.add_product"):
        return {}
    return {
        "create_products": forms.BooleanField(
            required=False,
            label=_lazy("Create missing products"),
            help_text=_lazy(
                "A SKU no product has becomes a new product (in the category "
                "'%(category)s'), named by the product_name column, priced from "
                "its first line."
            )
            % {"category": NEW_PRODUCTS_CATEGORY},
        )
    }


def _form_options(data: dict, user) -> tuple[None, dict]:
    return None, {"create_products": bool(data.get("create_products"))}


DECLARATION = ImportDeclaration(
    key="orders",
    label=_lazy("Orders"),
    permission="orders.import_order",
    required=REQUIRED_COLUMNS,
    optional=OPTIONAL_COLUMNS,
    key_column="order_number",
    list_url="orders:order-list",
    planner=OrderPipelinePlanner,
    help_template="orders/_import_help.html",
    help_context=lambda: {"statuses": Status},
    form_fields=_form_fields,
    form_options=_form_options,
    fixes=(
        Fix(
            column="sku",
            starts="No product has the SKU",
            command=_lazy(
                "create the products first (import_products), or pass "
                "--create-products to create them from the order lines"
            ),
            page=_lazy(
                "create the products first, or tick 'Create missing products' "
                "(managers) to create them from the order lines"
            ),
        ),
        Fix(
            column="warehouse",
            starts="There is no active warehouse",
            command=_lazy(
                "create a warehouse (Inventory, Warehouses, New warehouse) or "
                "name one in the warehouse column"
            ),
            page=_lazy(
                "create a warehouse (Inventory, Warehouses, New warehouse) or "
                "name one in the warehouse column"
            ),
            url_name="inventory:warehouse_create",
        ),
    ),
)


def order_import(
    *,
    file=None,
    rows: list[tuple[int, dict[str, str]]] | None = None,
    dry_run: bool = False,
    good_rows_only: bool = False,
    progress: Progress | None = None,
    imported_by: AbstractBaseUser | None = None,
    create_products: bool = False,
) -> "OrderImportResult":
    """Import order history from a CSV file (bytes or text, as uploaded or opened),
    or from rows already read by sms.imports.csv_rows: the pipeline's run of
    DECLARATION.

    Raises sms.imports.ImportFileError when the file as a whole is unreadable, and
    lets IntegrityError through when someone else wrote one of the order numbers
    between the check and the write (then nothing is written).
    """
    context = ImportContext(
        owner=imported_by,
        options={"create_products": create_products},
        progress=progress,
    )
    result, _planner = import_run(
        DECLARATION,
        file=file,
        rows=rows,
        context=context,
        dry_run=dry_run,
        good_rows_only=good_rows_only,
    )
    return result
