"""Money: Decimal end to end, rounded half-up once, at a boundary.

The rule for a figure made of many amounts (a weighted pipeline, a report column):
round each row to cents, then add. Sums of rounded rows are exact, so a total always
equals the sum of the rows shown and the same figure agrees on every page."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, Func

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """Round an amount to cents, half-up. Refuses float, which cannot hold cents."""
    if isinstance(value, float):
        raise TypeError("Money is Decimal, never float.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class Cents(Func):
    """``ROUND(expression, 2)`` in SQL, read back as Decimal cents.

    Half-up for the non-negative amounts it is used on: PostgreSQL rounds numeric
    half away from zero, and SQLite's ROUND does the same on the decimal form of its
    float (tests/sms/test_money.py checks half-cent cases on both). SQLite hands sums
    back as floats (``15868.9200000000``); reading them through ``money()`` gives the
    cents PostgreSQL gives."""

    function = "ROUND"
    template = "%(function)s(%(expressions)s, 2)"
    output_field = DecimalField(max_digits=20, decimal_places=2)

    def convert_value(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(value, float):  # a backend without Decimal conversion
            value = str(value)
        return money(value)
