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


@pytest.mark.django_db
def test_cents_in_sql_rounds_half_cents_up_like_money():
    """sms.money.Cents on this database (PostgreSQL or SQLite) rounds every half
    cent up, as money() does: amounts of 0.01 to 99.99 at 50 % (x.xx5 for odd cents,
    many of which a float holds just below the half) and at 15 % (whole amounts,
    which SQLite stores as integers)."""
    from django.db.models import F, Sum, Value

    from opportunities.models import Opportunity
    from sms.money import Cents

    rows = [
        Opportunity(
            title="t", lead_company="x", amount=Decimal(cents) / 100, probability=p
        )
        for cents in range(1, 10000, 7)
        for p in (50, 15)
    ]
    Opportunity.objects.bulk_create(rows)
    weighted = Cents(F("amount") * F("probability") * Value(Decimal("0.01")))
    found = Opportunity.objects.annotate(w=weighted).values_list(
        "amount", "probability", "w"
    )
    wrong = [(amount, p, w) for amount, p, w in found if w != money(amount * p / 100)]
    assert not wrong
    assert len(found) == len(rows)
    # The sum of rounded rows, read back as exact cents (SQLite sums floats).
    total = Opportunity.objects.aggregate(s=Cents(Sum(weighted)))["s"]
    assert total == sum(money(r.amount * r.probability / 100) for r in rows)
    assert total.as_tuple().exponent == -2
