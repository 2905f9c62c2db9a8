"""orders.importing: order history from CSV, checked whole, written in bulk."""

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import StockItem, StockMovement, Warehouse
from orders import importing
from orders.importing import COLUMNS, order_import
from orders.models import Order, OrderLine, OrderTransition, Payment, PaymentStatus
from orders.services import LineInput
from sms.imports import ImportFileError, problems_csv
from tests.customers.factories import CustomerFactory
from tests.inventory.factories import stocked
from tests.orders.conftest import HISTORY_HEADER as HEADER
from tests.orders.factories import draft_order, priced_product
from tests.sms.factories import ManagerFactory

pytestmark = pytest.mark.django_db

D = Decimal
EXAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "orders.csv"

MIXED = (
    HEADER
    + "H-1,C-1,2024-01-10,P-1,2,100.00,,,,,\n"  # 2 ok
    + "H-1,C-1,2024-01-10,p-2,30,0.335,,,,,\n"  # 3 ok (SKU in any case)
    + "H-2,NOPE,2024-01-11,P-1,1,10,,,,,\n"  # 4: unknown customer
    + "H-3,C-2,2024-13-01,P-1,1,10,,,,,\n"  # 5: no such date
    + "H-4,C-2,2024-01-12,XX-9,1,10,,,,,\n"  # 6: unknown SKU
    + "H-5,C-2,2024-01-12,P-1,0,10,,,,,\n"  # 7: quantity 0
    + "H-6,C-2,2024-01-12,P-1,1,1.23456,,,,,\n"  # 8: five decimals
    + "H-7,C-2,2024-01-12,P-1,1,10,draft,,,,\n"  # 9: draft
    + "H-8,ORDERS@BETA.TEST,2024-01-13,P-3,1,12.00,,,,,\n"  # 10 ok (e-mail)
)


def _import(text: str, **options):
    return order_import(file=io.BytesIO(text.encode()), **options)


def _problems(result) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in result.problems]


def _messages(result) -> dict[int, str]:
    return {p.line: p.message for p in result.problems}


# -- checking --------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_line_and_column_and_nothing_is_written(shop):
    result = _import(MIXED)
    assert _problems(result) == [
        (4, "customer"),
        (5, "order_date"),
        (6, "sku"),
        (7, "quantity"),
        (8, "unit_price"),
        (9, "status"),
    ]
    assert not result.written
    assert result.rows == 9
    assert result.good_rows == 3
    assert (result.orders_to_create, result.lines_to_create) == (2, 3)
    assert result.rejected == ["H-2", "H-3", "H-4", "H-5", "H-6", "H-7"]
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not Payment.objects.exists()


def test_messages_say_what_is_wrong(shop):
    messages = _messages(_import(MIXED))
    assert messages[4] == "No customer has the external reference or e-mail 'NOPE'."
    assert (
        messages[5] == "'2024-13-01' is not a date: write YYYY-MM-DD (e.g. 2024-03-31)."
    )
    assert messages[6] == "No product has the SKU 'XX-9'."
    assert messages[7] == "'0' is not a whole number of 1 or more."
    assert "at most four decimals" in messages[8]
    assert "never reserve or move stock" in messages[9]
    assert "delivered, shipped or cancelled" in messages[9]


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (",C-1,2024-01-10,P-1,1,10,,,,,", "order_number", "Required."),
        ("X,,2024-01-10,P-1,1,10,,,,,", "customer", "Required"),
        ("X,C-1,10.01.2024,P-1,1,10,,,,,", "order_date", "not a date"),
        ("X,C-1,2024-01-10,,1,10,,,,,", "sku", "Required."),
        ("X,C-1,2024-01-10,P-1,1.5,10,,,,,", "quantity", "not a whole number"),
        ("X,C-1,2024-01-10,P-1,-2,10,,,,,", "quantity", "not a whole number"),
        ("X,C-1,2024-01-10,P-1,1,-1,,,,,", "unit_price", "Must not be negative."),
        ('X,C-1,2024-01-10,P-1,1,"1,50",,,,,', "unit_price", "not a price"),
        ("X,C-1,2024-01-10,P-1,1,,,,,,", "unit_price", "Required."),
        ("X,C-1,2024-01-10,P-1,1,10,confirmed,,,,", "status", "cannot be imported"),
        ("X,C-1,2024-01-10,P-1,1,10,lost,,,,", "status", "Unknown status 'lost'"),
        ("X,C-1,2024-01-10,P-1,1,10,,maybe,,,", "paid", "not yes or no"),
        ("X,C-1,2024-01-10,P-1,1,10,,,120,,", "discount_percent", "percentage"),
        ("X,C-1,2024-01-10,P-1,1,10,,,,abc,", "tax_rate", "percentage"),
        ("X,C-1,2024-01-10,P-1,1,10,,,,,WEST", "warehouse", "Unknown warehouse"),
    ],
)
def test_each_bad_cell_is_reported_on_its_column(shop, cells, column, message):
    result = _import(HEADER + cells + "\n")
    assert _problems(result) == [(2, column)]
    assert message in result.problems[0].message


def test_order_dates_in_the_future_are_refused(shop):
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    result = _import(HEADER + f"X,C-1,{tomorrow},P-1,1,10,,,,,\n")
    assert _problems(result) == [(2, "order_date")]
    assert "in the future" in result.problems[0].message


def test_a_row_with_several_problems_reports_each(shop):
    result = _import(HEADER + "X,NOPE,someday,XX,0,abc,,,,,\n")
    assert _problems(result) == [
        (2, "customer"),
        (2, "order_date"),
        (2, "sku"),
        (2, "quantity"),
        (2, "unit_price"),
    ]
    assert result.bad_rows == 1


def test_unreadable_files_raise_import_file_error(shop):
    with pytest.raises(ImportFileError, match="Missing column"):
        _import("order_number,customer\nX,C-1\n")
    with pytest.raises(ImportFileError, match="Unknown column"):
        _import(HEADER.strip() + ",colour\n")


# -- customers -------------------------------------------------------------------------


def test_the_external_reference_wins_over_an_email_and_emails_ignore_case(shop):
    # A customer whose reference looks like another customer's e-mail address.
    odd = CustomerFactory(external_ref="orders@beta.test", email="")
    result = _import(
        HEADER
        + "R-1,orders@beta.test,2024-01-10,P-1,1,10,,,,,\n"
        + "R-2,  BUYER@alpha.TEST ,2024-01-10,P-1,1,10,,,,,\n"
    )
    assert not result.problems
    assert Order.objects.get(number="R-1").customer == odd
    assert Order.objects.get(number="R-2").customer == shop.alpha


def test_an_email_shared_by_two_customers_needs_the_reference(shop):
    CustomerFactory(email="orders@BETA.test")
    result = _import(HEADER + "R-1,orders@beta.test,2024-01-10,P-1,1,10,,,,,\n")
    assert _problems(result) == [(2, "customer")]
    assert "2 customers have the e-mail" in result.problems[0].message


def test_merged_away_customers_are_refused_naming_the_survivor(shop):
    CustomerFactory(external_ref="OLD-1", merged_into=shop.alpha, is_active=False)
    result = _import(HEADER + "R-1,OLD-1,2024-01-10,P-1,1,10,,,,,\n")
    assert _problems(result) == [(2, "customer")]
    assert f"merged into customer #{shop.alpha.pk}" in result.problems[0].message


def test_inactive_customers_and_products_are_history_too(shop):
    CustomerFactory(external_ref="GONE", is_active=False)
    priced_product("5.00", sku="OLD-SKU", is_active=False)
    result = _import(HEADER + "R-1,GONE,2020-01-10,OLD-SKU,1,5,,,,,\n")
    assert not result.problems
    assert result.created == 1


# -- the rows of one order -------------------------------------------------------------


def test_rows_of_one_order_that_disagree_are_reported_on_the_offending_line(shop):
    text = (
        HEADER
        + "D-1,C-1,2024-01-10,P-1,1,10,delivered,yes,,,MAIN\n"  # 2 sets the order
        + "D-1,C-2,2024-01-10,P-1,1,10,delivered,yes,,,MAIN\n"  # 3 customer
        + "D-1,C-1,2024-01-11,P-1,1,10,delivered,yes,,,MAIN\n"  # 4 date
        + "D-1,C-1,2024-01-10,P-1,1,10,shipped,yes,,,MAIN\n"  # 5 status
        + "D-1,C-1,2024-01-10,P-1,1,10,delivered,no,,,MAIN\n"  # 6 paid
        + "D-1,C-1,2024-01-10,P-1,1,10,delivered,yes,,,EAST\n"  # 7 warehouse
        + "D-1,buyer@alpha.test,2024-01-10,P-2,1,10,,,,,main\n"  # 8 agrees
    )
    result = _import(text)
    assert _problems(result) == [
        (2, "order_number"),
        (3, "customer"),
        (4, "order_date"),
        (5, "status"),
        (6, "paid"),
        (7, "warehouse"),
        (8, "order_number"),
    ]
    messages = _messages(result)
    assert messages[3] == (
        "Order D-1 has customer 'C-1' on line 2, this line 'C-2': the lines of an "
        "order must agree on customer, order_date, status, paid and warehouse."
    )
    assert "order_date '2024-01-10' on line 2, this line '2024-01-11'" in messages[4]
    assert "warehouse 'MAIN' on line 2, this line 'EAST'" in messages[7]
    assert messages[8] == (
        "Not imported: order D-1 has problems on line(s) 3, 4, 5, 6, 7, and an "
        "order is imported whole or not at all."
    )
    assert result.rejected == ["D-1"]
    assert result.good_rows == 0


def test_blank_cells_agree_with_the_defaults_they_stand_for(shop):
    text = (
        HEADER
        + "D-1,C-1,2024-01-10,P-1,1,10,delivered,yes,,,EAST\n"
        + "D-1,C-1,2024-01-10,P-2,1,10,,,,,\n"
        + "D-2,C-1,2024-01-10,P-1,1,10,cancelled,,,,\n"
        + "D-2,C-1,2024-01-10,P-2,1,10,Cancelled,no,,,\n"
    )
    result = _import(text)
    assert not result.problems
    assert result.created == 2


def test_rows_of_an_order_need_not_be_next_to_each_other(shop):
    text = (
        HEADER
        + "A-1,C-1,2024-01-10,P-1,1,10,,,,,\n"
        + "B-1,C-2,2024-01-10,P-1,1,10,,,,,\n"
        + "A-1,C-1,2024-01-10,P-2,3,1,,,,,\n"
    )
    _import(text)
    order = Order.objects.get(number="A-1")
    assert [(line.position, line.sku) for line in order.lines.all()] == [
        (1, "P-1"),
        (2, "P-2"),
    ]


def test_an_order_with_one_bad_line_is_left_out_whole_with_good_rows_only(shop):
    text = (
        HEADER
        + "G-1,C-1,2024-01-10,P-1,1,10,,,,,\n"  # 2 good order
        + "B-1,C-2,2024-01-10,P-1,1,10,,,,,\n"  # 3 good line of a bad order
        + "B-1,C-2,2024-01-10,XX,1,10,,,,,\n"  # 4 bad line
        + "G-2,C-2,2024-01-11,P-3,2,12,,,,,\n"  # 5 good order
    )
    result = _import(text, good_rows_only=True)
    assert result.written
    assert _problems(result) == [(3, "order_number"), (4, "sku")]
    assert (result.created, result.lines_created) == (2, 2)
    assert result.rejected == ["B-1"]
    assert set(Order.objects.values_list("number", flat=True)) == {"G-1", "G-2"}
    # The bad-rows download holds both lines of the order, ready to fix and import.
    lines = problems_csv(result=result, columns=COLUMNS).splitlines()
    assert lines[0] == ",".join(COLUMNS) + ",line,reason"
    assert [line.split(",")[0] for line in lines[1:]] == ["B-1", "B-1"]
    assert lines[2].endswith(",4,sku: No product has the SKU 'XX'.")


def test_good_rows_only_writes_the_good_orders_of_the_mixed_file(shop):
    result = _import(MIXED, good_rows_only=True)
    assert (result.created, result.lines_created) == (2, 3)
    assert set(Order.objects.values_list("number", flat=True)) == {"H-1", "H-8"}
    assert len(result.problems) == 6


def test_dry_run_writes_nothing_and_says_what_it_would_do(shop):
    result = _import(HEADER + "X,C-1,2024-01-10,P-1,1,10,,,,,\n", dry_run=True)
    assert not result.problems
    assert not result.written
    assert (result.orders_to_create, result.lines_to_create) == (1, 1)
    assert not Order.objects.exists()


# -- what is written -------------------------------------------------------------------


def test_amounts_equal_what_orders_services_computes_for_the_same_lines(shop):
    lines = [
        (shop.desk, 3, D("99.9950"), D("12.5")),
        (shop.screw, 7, D("0.3350"), D("0")),
        (shop.book, 1, D("12.00"), D("33.33")),
    ]
    reference = draft_order(
        customer=shop.alpha,
        warehouse=shop.main,
        lines=[
            LineInput(p, q, unit_price=u, discount_percent=d) for p, q, u, d in lines
        ],
    )
    text = HEADER + "".join(
        f"IMP-1,C-1,2024-01-10,{p.sku},{q},{u},,,{d},,MAIN\n" for p, q, u, d in lines
    )
    result = _import(text)
    assert not result.problems
    imported = Order.objects.get(number="IMP-1")
    amounts = (
        "subtotal",
        "discount_total",
        "net_total",
        "tax_total",
        "shipping_charge",
        "total",
    )
    reference.refresh_from_db()
    assert [getattr(imported, f) for f in amounts] == [
        getattr(reference, f) for f in amounts
    ]
    line_fields = (
        "position",
        "sku",
        "description",
        "quantity",
        "unit_price",
        "discount_percent",
        "tax_rate",
        "unit_cost",
        "gross_amount",
        "discount_amount",
        "net_amount",
        "tax_amount",
    )
    assert list(imported.lines.values_list(*line_fields)) == list(
        reference.lines.values_list(*line_fields)
    )
    # By hand: 3 x 99.995 = 299.99 - 37.50 = 262.49 + 52.50 tax; 7 x 0.335 = 2.35
    # + 0.18 tax (7.5 %); 12.00 - 4.00 (33.33 %) = 8.00 + 0.40 tax (5 %).
    assert (imported.net_total, imported.tax_total, imported.total) == (
        D("272.84"),
        D("53.08"),
        D("325.92"),
    )


def test_the_tax_rate_column_overrides_the_products_rate(shop):
    _import(
        HEADER
        + "T-1,C-1,2024-01-10,P-1,1,100,,,,0,\n"
        + "T-1,C-1,2024-01-10,P-1,1,100,,,,7.5%,\n"
        + "T-1,C-1,2024-01-10,P-1,1,100,,,,,\n"
    )
    order = Order.objects.get()
    assert list(order.lines.values_list("tax_rate", "tax_amount")) == [
        (D("0.00"), D("0.00")),
        (D("7.50"), D("7.50")),
        (D("20.00"), D("20.00")),
    ]
    assert order.total == D("327.50")


def test_unit_prices_keep_four_decimals(shop):
    _import(HEADER + "F-1,C-1,2024-01-10,P-2,3,0.3350,,,,,\n")
    line = OrderLine.objects.get()
    assert line.unit_price == D("0.3350")
    assert line.gross_amount == D("1.01")  # 1.005 rounded half-up


def test_a_delivered_order_is_written_as_history(shop, rep):
    result = _import(
        HEADER + "S-1,C-2,2024-03-01,P-1,2,50,,,,,MAIN\n",
        imported_by=rep,
    )
    assert result.created == 1
    order = Order.objects.get()
    assert order.imported
    assert order.status == Order.Status.DELIVERED
    assert order.owner == shop.beta.owner
    assert order.created_by == rep
    assert order.warehouse == shop.main
    assert order.payment_terms_days == 14
    assert order.due_date == date(2024, 3, 15)
    assert order.confirmed_at == order.shipped_at == order.delivered_at
    assert order.delivered_at.date() == date(2024, 3, 1)
    assert order.cancelled_at is None
    assert order.lines.get().quantity_shipped == 2
    transition = order.transitions.get()
    assert (transition.from_status, transition.to_status) == ("", "delivered")
    assert transition.note == "Imported as delivered"
    assert transition.user == rep
    assert not order.shipments.exists()
    assert not order.emails.exists()


def test_a_paid_order_gets_one_payment_of_its_total(shop, rep):
    _import(HEADER + "P-1,C-1,2024-03-01,P-1,2,50,,,,,\n", imported_by=rep)
    order = Order.objects.get()
    payment = order.payments.get()
    assert payment.amount == order.total == D("120.00")
    assert order.amount_paid == order.total
    assert order.payment_status == PaymentStatus.PAID
    assert (payment.kind, payment.method, payment.reference) == (
        Payment.Kind.PAYMENT,
        Payment.Method.OTHER,
        "Imported",
    )
    assert payment.paid_on == date(2024, 3, 1)
    assert payment.created_by == rep
    assert not order.is_overdue


def test_an_unpaid_order_owes_its_total_from_its_due_date(shop):
    _import(HEADER + "U-1,C-1,2024-03-01,P-1,1,50,shipped,no,,,\n")
    order = Order.objects.get()
    assert not order.payments.exists()
    assert order.amount_paid == 0
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.balance_due == D("60.00")
    assert order.is_overdue
    assert order.status == Order.Status.SHIPPED
    assert order.delivered_at is None
    assert order.shipped_at.date() == date(2024, 3, 1)
    assert Order.objects.overdue().get() == order
    assert order.transitions.get().note == "Imported as shipped"


def test_a_cancelled_order_is_unpaid_and_owes_nothing(shop):
    _import(HEADER + "X-1,C-1,2024-03-01,P-1,1,50,cancelled,,,,\n")
    order = Order.objects.get()
    assert order.status == Order.Status.CANCELLED
    assert order.cancelled_at.date() == date(2024, 3, 1)
    assert order.confirmed_at is None
    assert order.due_date is None
    assert order.balance_due == 0
    assert not order.payments.exists()
    assert order.lines.get().quantity_shipped == 0


def test_a_cancelled_order_cannot_be_paid(shop):
    result = _import(HEADER + "X-1,C-1,2024-03-01,P-1,1,50,cancelled,yes,,,\n")
    assert _problems(result) == [(2, "paid")]
    assert "cancelled order cannot have been paid" in result.problems[0].message


def test_a_free_order_needs_no_payment(shop):
    _import(HEADER + "Z-1,C-1,2024-03-01,P-1,1,0,,yes,,,\n")
    order = Order.objects.get()
    assert order.total == 0
    assert not order.payments.exists()


def test_history_never_moves_stock(shop):
    stocked(shop.desk, shop.main, 10)
    movements = StockMovement.objects.count()
    _import(HEADER + "M-1,C-1,2024-03-01,P-1,4,50,,,,,MAIN\n")
    assert Order.objects.count() == 1
    assert StockMovement.objects.count() == movements
    item = StockItem.objects.get(product=shop.desk, warehouse=shop.main)
    assert (item.on_hand, item.reserved) == (10, 0)


def test_the_default_warehouse_is_the_first_active_one(shop):
    shop.east.is_active = False
    shop.east.save()
    _import(HEADER + "W-1,C-1,2024-03-01,P-1,1,50,,,,,\n")
    assert Order.objects.get().warehouse == shop.main


def test_without_any_active_warehouse_the_column_is_required(shop):
    Warehouse.objects.update(is_active=False)
    result = _import(HEADER + "W-1,C-1,2024-03-01,P-1,1,50,,,,,\n")
    assert _problems(result) == [(2, "warehouse")]
    result = _import(HEADER + "W-1,C-1,2024-03-01,P-1,1,50,,,,,MAIN\n")
    assert not result.problems


# -- existing orders and re-imports ----------------------------------------------------


def test_reimporting_the_same_file_creates_nothing_and_lists_the_orders(shop):
    first = _import(MIXED, good_rows_only=True)
    again = _import(MIXED, good_rows_only=True)
    assert first.created == 2
    assert again.created == 0
    assert [(s.number, s.line, s.lines, s.same) for s in again.skipped] == [
        ("H-1", 2, 2, True),
        ("H-8", 10, 1, True),
    ]
    # Skipped orders are not problems; the bad rows are what they were.
    assert _problems(again) == _problems(first)
    assert Order.objects.count() == 2
    assert OrderLine.objects.count() == 3
    assert Payment.objects.count() == 2
    assert OrderTransition.objects.count() == 2


def test_a_clean_file_imported_twice_is_all_skipped(shop):
    text = HEADER + "A-1,C-1,2024-01-10,P-1,1,10,,,,,\n"
    _import(text)
    again = _import(text)
    assert not again.problems
    assert again.created == 0
    assert again.skipped[0].reason == "Order A-1 already exists; left unchanged."


def test_an_existing_order_that_differs_is_skipped_not_overwritten(shop):
    _import(HEADER + "A-1,C-1,2024-01-10,P-1,1,10,,,,,\n")
    before = Order.objects.values().get()
    result = _import(
        HEADER
        + "A-1,C-2,2024-01-10,P-1,5,99,shipped,no,,,\n"
        + "A-1,C-2,2024-01-10,P-2,1,1,shipped,no,,,\n"
    )
    assert not result.problems
    assert result.created == 0
    assert [(s.number, s.same) for s in result.skipped] == [("A-1", False)]
    assert "differs from this file" in result.skipped[0].reason
    assert Order.objects.values().get() == before
    assert OrderLine.objects.count() == 1


def test_rows_of_an_existing_order_are_skipped_even_if_they_are_bad_now(shop):
    _import(HEADER + "A-1,C-1,2024-01-10,P-1,1,10,,,,,\n")
    result = _import(HEADER + "A-1,C-1,2024-01-10,GONE,1,10,,,,,\n")
    assert not result.problems
    assert not result.skipped[0].same


def test_an_order_entered_in_the_application_is_never_touched(shop):
    live = draft_order(customer=shop.alpha, warehouse=shop.main)
    result = _import(HEADER + f"{live.number},C-1,2024-01-10,P-1,1,10,,,,,\n")
    assert not result.problems
    assert [s.number for s in result.skipped] == [live.number]
    live.refresh_from_db()
    assert live.status == Order.Status.DRAFT
    assert not live.imported


def test_a_number_taken_between_check_and_write_writes_nothing(shop, monkeypatch):
    original = importing.OrderImportPlanner.__init__

    def racing(self, **kwargs):
        original(self, **kwargs)
        # Someone saves an order with one of the file's numbers in the meantime.
        Order.objects.filter(pk=draft_order(customer=shop.beta).pk).update(number="B-2")

    monkeypatch.setattr(importing.OrderImportPlanner, "__init__", racing)
    with pytest.raises(IntegrityError):
        _import(
            HEADER
            + "B-1,C-1,2024-01-10,P-1,1,10,,,,,\n"
            + "B-2,C-1,2024-01-10,P-1,1,10,,,,,\n"
        )
    assert not Order.objects.filter(imported=True).exists()


# -- scale -----------------------------------------------------------------------------


def _history(orders: int, lines_per_order: int, customers, products) -> str:
    rows = [HEADER]
    statuses = ("delivered", "delivered", "shipped", "cancelled")
    for n in range(orders):
        customer = customers[n % len(customers)].external_ref
        status = statuses[n % len(statuses)]
        paid = "no" if status == "cancelled" or n % 3 == 0 else "yes"
        day = date(2023, 1, 1) + timedelta(days=n % 700)
        for k in range(lines_per_order):
            product = products[(n + k) % len(products)]
            rows.append(
                f"BULK-{n:06d},{customer},{day},{product.sku},{1 + (n + k) % 9},"
                f"{(n * 7 + k) % 500}.{k * 25:04d},{status},{paid},"
                f"{(n + k) % 3 * 5},,\n"
            )
    return "".join(rows)


def test_ten_thousand_lines_in_a_bounded_number_of_queries(
    shop, django_assert_max_num_queries
):
    customers = [shop.alpha, shop.beta] + [
        CustomerFactory(external_ref=f"BULK-C-{n}", owner=shop.alpha.owner)
        for n in range(48)
    ]
    products = [shop.desk, shop.screw, shop.book] + [
        priced_product("10.00", sku=f"BULK-P-{n}") for n in range(17)
    ]
    text = _history(2_500, 4, customers, products)
    movements = StockMovement.objects.count()
    # No query per row or per order: on PostgreSQL a few per thousand orders. SQLite
    # caps every INSERT at 999 parameters, so Django splits the inserts finer there.
    limit = 40 if connection.vendor == "postgresql" else 400
    with django_assert_max_num_queries(limit):
        result = _import(text)
    assert not result.problems
    assert (result.rows, result.created, result.lines_created) == (
        10_000,
        2_500,
        10_000,
    )
    assert Order.objects.filter(imported=True).count() == 2_500
    assert OrderLine.objects.count() == 10_000
    assert OrderTransition.objects.count() == 2_500
    # Every fourth order is cancelled, every third unpaid: the rest are paid.
    paid = sum(1 for n in range(2_500) if n % 4 != 3 and n % 3 != 0)
    assert Payment.objects.count() == paid
    assert StockMovement.objects.count() == movements
    with django_assert_max_num_queries(limit):
        again = _import(text)
    assert again.created == 0
    assert len(again.skipped) == 2_500
    assert all(s.same for s in again.skipped)


def test_the_queries_do_not_grow_with_the_orders(shop, django_assert_num_queries):
    customers, products = [shop.alpha, shop.beta], [shop.desk, shop.book]
    small = _history(2, 2, customers, products)
    large = _history(10, 2, customers, products).replace("BULK-", "MORE-")
    with CaptureQueriesContext(connection) as first:
        _import(small)
    with django_assert_num_queries(len(first)):
        _import(large)


def test_progress_reports_checking_then_writing(shop):
    seen = []
    _import(
        MIXED,
        good_rows_only=True,
        progress=lambda phase, n, total: seen.append((phase, n, total)),
    )
    assert sum(n for phase, n, total in seen if (phase, total) == ("checking", 9)) == 9
    assert sum(n for phase, n, total in seen if (phase, total) == ("writing", 2)) == 2
    assert seen[-1][0] == "writing"


# -- the documented example ------------------------------------------------------------


def test_the_example_file_imports_cleanly_on_demo_data(settings):
    settings.DEBUG = True
    call_command("seed_demo", customers=10, stdout=io.StringIO(), stderr=io.StringIO())
    manager = ManagerFactory()
    with EXAMPLE.open("rb") as file:
        result = order_import(file=file, imported_by=manager)
    assert not result.problems
    assert (result.created, result.lines_created) == (7, 12)
    # seed_demo made orders of its own; the imported ones are marked.
    assert {o.status for o in Order.objects.filter(imported=True)} == {
        "delivered",
        "shipped",
        "cancelled",
    }
    by_email = Order.objects.get(number="HIST-2024-0003")
    assert by_email.customer.external_ref == "DEMO-000003"
    with EXAMPLE.open("rb") as file:
        again = order_import(file=file)
    assert (again.created, len(again.skipped)) == (0, 7)
