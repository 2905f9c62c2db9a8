"""Reads of the pipeline, scoped to the user asking: reps see the opportunities they
own, managers and admins see all. Views fetch single records through these, so
"not yours" and "does not exist" are the same 404."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth

from opportunities.models import (
    OPEN_STAGES,
    Opportunity,
    Quote,
    QuoteEmail,
    QuoteLine,
    Stage,
)
from sms.money import ZERO
from sms.roles import user_is_manager


def opportunity_scope(*, user) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.all()
    if not user_is_manager(user):
        qs = qs.filter(owner=user)
    return qs


def quote_scope(*, user) -> QuerySet[Quote]:
    return Quote.objects.filter(opportunity__in=opportunity_scope(user=user))


WEIGHTED = ExpressionWrapper(
    F("amount") * F("probability") / Decimal(100),
    output_field=DecimalField(max_digits=16, decimal_places=2),
)


def board_columns(*, queryset: QuerySet[Opportunity]) -> list[dict]:
    """One column per open stage: its cards, count and amount total (two queries:
    the totals, and the cards)."""
    totals = {
        row["stage"]: row
        for row in queryset.open()
        .values("stage")
        .annotate(count=Count("pk"), amount=Sum("amount"), weighted=Sum(WEIGHTED))
    }
    cards = defaultdict(list)
    for opportunity in (
        queryset.open()
        .select_related("customer", "owner")
        .order_by("expected_close_date", "pk")
    ):
        cards[opportunity.stage].append(opportunity)
    return [
        {
            "stage": stage,
            "label": Stage(stage).label,
            "count": totals.get(stage, {}).get("count", 0),
            "amount": totals.get(stage, {}).get("amount") or ZERO,
            "weighted": totals.get(stage, {}).get("weighted") or ZERO,
            "cards": cards[stage],
        }
        for stage in OPEN_STAGES
    ]


def weighted_pipeline(*, queryset: QuerySet[Opportunity]) -> list[dict]:
    """Per month of expected close: open amount x probability, by rep and in total,
    with the revenue won in that month beside it. Two grouped queries."""
    open_rows = (
        queryset.open()
        .exclude(expected_close_date=None)
        .annotate(month=TruncMonth("expected_close_date"))
        .values("month", "owner")
        .annotate(weighted=Sum(WEIGHTED), amount=Sum("amount"), count=Count("pk"))
    )
    won_rows = (
        queryset.filter(stage=Stage.WON)
        .exclude(closed_at=None)
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(won=Sum("amount"))
    )
    months: dict = defaultdict(
        lambda: {
            "weighted": ZERO,
            "amount": ZERO,
            "count": 0,
            "won": ZERO,
            "by_rep": {},
        }
    )
    for row in open_rows:
        month = months[_month(row["month"])]
        month["weighted"] += row["weighted"] or ZERO
        month["amount"] += row["amount"] or ZERO
        month["count"] += row["count"]
        month["by_rep"][row["owner"]] = month["by_rep"].get(row["owner"], ZERO) + (
            row["weighted"] or ZERO
        )
    for row in won_rows:
        months[_month(row["month"])]["won"] += row["won"] or ZERO
    return [
        {"month": key, **value, "weighted": value["weighted"].quantize(Decimal("0.01"))}
        for key, value in sorted(months.items())
    ]


def _month(value):
    """TruncMonth gives a date for DateFields and a datetime for DateTimeFields."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# Quotes ----------------------------------------------------------------------------


def _quote_lines() -> Prefetch:
    return Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "pk"))


def quote_detail(*, user) -> QuerySet[Quote]:
    """One quote with everything its page shows, in a fixed number of queries: the
    quote (opportunity, customer, owner, order and author joined), its lines and its
    e-mails."""
    return (
        quote_scope(user=user)
        .select_related(
            "opportunity__customer", "opportunity__owner", "order", "created_by"
        )
        .prefetch_related(
            _quote_lines(),
            Prefetch("emails", queryset=QuoteEmail.objects.order_by("created_at")),
        )
    )


def quote_documents(*, user) -> QuerySet[Quote]:
    """Quotes with what the printed quote shows: opportunity, customer, lines."""
    return (
        quote_scope(user=user)
        .select_related("opportunity__customer")
        .prefetch_related(_quote_lines())
    )


def quote_form_products() -> list[dict]:
    """What the quote form offers: the order form's sellable products."""
    from orders.selectors import sellable_products

    return sellable_products()
