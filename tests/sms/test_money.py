from decimal import Decimal

import pytest

from sms.money import money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.675"), Decimal("2.68")),  # half-up, where float would give 2.67
        (Decimal("2.665"), Decimal("2.67")),
        (Decimal("-1.005"), Decimal("-1.01")),
        ("10", Decimal("10.00")),
        (3, Decimal("3.00")),
    ],
)
def test_money_rounds_half_up_to_cents(value, expected):
    result = money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


def test_money_refuses_float():
    with pytest.raises(TypeError):
        money(2.675)
