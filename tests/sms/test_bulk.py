"""sms.bulk writes plain tuples as the ORM would store them, on either database."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orders.models import Payment
from sms.bulk import ids_reserve, rows_insert
from tests.orders.factories import draft_order

pytestmark = pytest.mark.django_db

FIELDS = (
    "id", "order_id", "kind", "amount", "paid_on", "method", "reference",
    "created_by_id", "created_at",
)  # fmt: skip


def test_rows_read_back_as_written_and_filter_as_orm_rows():
    order = draft_order()
    # Aware, in another zone than the database's: stored as the same instant.
    moment = datetime(2025, 3, 30, 1, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    ids = ids_reserve(Payment, 2)
    payment = Payment.Kind.PAYMENT
    rows_insert(
        Payment,
        FIELDS,
        [
            (ids[0], order.pk, payment, Decimal("12.30"), date(2025, 3, 30),
             Payment.Method.CARD, "", None, moment),
            (ids[1], order.pk, payment, Decimal("0.05"), date(2025, 4, 1),
             Payment.Method.BANK_TRANSFER, "REF-1", order.created_by_id,
             moment + timedelta(days=2)),
        ],
    )  # fmt: skip
    first, second = Payment.objects.filter(pk__in=ids).order_by("pk")
    assert first.amount == Decimal("12.30")
    assert first.paid_on == date(2025, 3, 30)
    assert first.kind == "payment"
    assert first.method == "card"
    assert first.created_by_id is None
    assert first.created_at == moment
    assert second.reference == "REF-1"
    assert second.created_by_id == order.created_by_id
    # Lookups compare the stored values as they compare the ORM's own rows.
    assert list(Payment.objects.filter(created_at=moment)) == [first]
    assert list(Payment.objects.filter(created_at__gt=moment)) == [second]
    assert list(Payment.objects.filter(amount__lt=Decimal("1"))) == [second]
    # The next id handed out follows the reserved ones.
    assert ids_reserve(Payment, 1)[0] > ids[1]
