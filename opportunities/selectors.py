"""Reads of the pipeline, scoped to the user asking: reps see the opportunities they
own, managers and admins see all. Views fetch single records through these, so
"not yours" and "does not exist" are the same 404."""

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

import django_filters
from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    F,
    Prefetch,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.selectors import OwnerFilterSet
from opportunities.models import (
    CLOSED_STAGES,
    OPEN_STAGES,
    LostReason,
    Opportunity,
    Quote,
    QuoteEmail,
    QuoteLine,
    Stage,
    StageChange,
)
from sms.money import ZERO, Cents, money
from sms.pagination import ID_MAX
from sms.roles import user_is_manager
from sms.widgets import DateInput


def opportunity_scope(*, user) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.all()
    if not user_is_manager(user):
        qs = qs.filter(owner=user)
    return qs


def quote_scope(*, user) -> QuerySet[Quote]:
    return Quote.objects.filter(opportunity__in=opportunity_scope(user=user))


# One opportunity's weighted amount: amount x probability, rounded half-up to cents
# (Opportunity.weighted_amount in Python). Every weighted pipeline adds these rounded
# amounts (weighted_sum), so totals equal the sum of their rows and the pipeline page,
# the board, the dashboard and the team report agree to the cent. "x 0.01" and not
# "/ 100": SQLite divides an amount stored as a whole number by 100 as integers.
WEIGHTED = Cents(F("amount") * F("probability") * Value(Decimal("0.01")))


def weighted_sum(**options) -> Cents:
    """The weighted pipeline of the rows aggregated: the sum of their rounded
    weighted amounts (``options`` go to Sum, e.g. ``filter``)."""
    return Cents(Sum(WEIGHTED, default=ZERO, **options))


def board_columns(*, queryset: QuerySet[Opportunity]) -> list[dict]:
    """One column per open stage: its cards, count and amount total (two queries:
    the totals, and the cards)."""
    totals = {
        row["stage"]: row
        for row in queryset.open()
        .values("stage")
        # "total", not "amount": an annotation named amount would shadow the
        # field that WEIGHTED's F("amount") means.
        .annotate(count=Count("pk"), total=Sum("amount"), weighted=weighted_sum())
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
            "amount": totals.get(stage, {}).get("total") or ZERO,
            "weighted": totals.get(stage, {}).get("weighted") or ZERO,
            "cards": cards[stage],
        }
        for stage in OPEN_STAGES
    ]


def weighted_pipeline(*, queryset: QuerySet[Opportunity]) -> list[dict]:
    """Per month of expected close: open amount x probability, by rep and in total,
    with the revenue won in that month beside it; open opportunities without an
    expected close date in a last row (month None), so the page's total is the
    whole weighted pipeline. Two grouped queries; every figure adds rounded
    weighted amounts (weighted_sum), so months, reps and totals agree to the cent.

    Every month from the first to the last is listed, those with nothing as zero:
    left out, the chart's bars would be spaced unevenly in time."""
    open_rows = (
        queryset.open()
        .annotate(month=TruncMonth("expected_close_date"))
        .values("month", "owner")
        .annotate(weighted=weighted_sum(), amount=Sum("amount"), count=Count("pk"))
        .order_by()
    )
    won_rows = (
        queryset.filter(stage=Stage.WON)
        .exclude(closed_at=None)
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(won=Sum("amount"))
        .order_by()
    )

    def empty() -> dict:
        return {"weighted": ZERO, "amount": ZERO, "count": 0, "won": ZERO, "by_rep": {}}

    months: dict = defaultdict(empty)
    for row in open_rows:
        month = months[_month(row["month"])]
        month["weighted"] += row["weighted"]
        month["amount"] += money(row["amount"] or ZERO)
        month["count"] += row["count"]
        month["by_rep"][row["owner"]] = (
            month["by_rep"].get(row["owner"], ZERO) + row["weighted"]
        )
    for row in won_rows:
        months[_month(row["month"])]["won"] += money(row["won"] or ZERO)
    dated = [month for month in months if month is not None]
    if dated:
        month, last = min(dated), max(dated)
        while month < last:
            month += relativedelta(months=1)
            months.setdefault(month, empty())
    # Dated months in order, then the undated row.
    order = sorted(months, key=lambda month: (month is None, month))
    return [{"month": key, **months[key]} for key in order]


def _month(value):
    """TruncMonth gives a date for DateFields and a datetime for DateTimeFields (and
    None for an opportunity without an expected close date)."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# Pages: the list, the board, one opportunity, the customer panel ------------------


class OpportunityFilter(OwnerFilterSet):
    search_fields = ("title", "customer__name", "lead_company", "lead_contact")

    stage = django_filters.ChoiceFilter(
        choices=Stage.choices, empty_label=_("Any stage")
    )
    status = django_filters.ChoiceFilter(
        choices=[("open", _("Open")), ("closed", _("Closed"))],
        method="filter_status",
        label=_("Open or closed"),
        empty_label=_("Either"),
    )
    source_channel = django_filters.ChoiceFilter(
        choices=Customer.Channel.choices, label=_("Source"), empty_label=_("Any source")
    )
    close_from = django_filters.DateFilter(
        field_name="expected_close_date",
        lookup_expr="gte",
        label=_("Closing from"),
        widget=DateInput(),
    )
    close_to = django_filters.DateFilter(
        field_name="expected_close_date",
        lookup_expr="lte",
        label=_("Closing to"),
        widget=DateInput(),
    )
    customer = django_filters.NumberFilter(
        field_name="customer", widget=forms.HiddenInput, min_value=1, max_value=ID_MAX
    )

    class Meta:
        model = Opportunity
        fields = [
            "q",
            "stage",
            "status",
            "owner",
            "source_channel",
            "close_from",
            "close_to",
            "customer",
        ]

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        if value == "closed":
            return queryset.filter(stage__in=CLOSED_STAGES)
        return queryset


def opportunity_filter(*, user, data: Mapping | None = None) -> OpportunityFilter:
    queryset = (
        opportunity_scope(user=user)
        .select_related("customer", "owner")
        .annotate(weighted=WEIGHTED)
        .order_by("-created_at", "-pk")
    )
    return OpportunityFilter(data, queryset=queryset, user=user)


def opportunity_list(*, user, filters: Mapping | None = None) -> QuerySet[Opportunity]:
    return opportunity_filter(user=user, data=filters).qs


def opportunity_detail(*, user) -> QuerySet[Opportunity]:
    """One opportunity with what its page shows: customer, owner, lost reason, the
    stage history (with who) and the quotes."""
    return (
        opportunity_scope(user=user)
        .select_related("customer", "owner", "lost_reason", "created_by")
        .prefetch_related(
            Prefetch(
                "stage_changes",
                queryset=StageChange.objects.select_related("user").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch("quotes", queryset=Quote.objects.order_by("-created_at", "-pk")),
        )
    )


def board_queryset(*, user, owner_id: int | None = None) -> QuerySet[Opportunity]:
    """What the board shows: the user's opportunities; a manager may narrow them to
    one rep."""
    queryset = opportunity_scope(user=user)
    if owner_id and user_is_manager(user):
        queryset = queryset.filter(owner_id=owner_id)
    return queryset


def board_totals(*, queryset: QuerySet[Opportunity]) -> dict[str, dict]:
    """Count and amount per open stage (one query), for the board's headers after a
    move."""
    rows = {
        row["stage"]: row
        for row in queryset.open()
        .values("stage")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    }
    return {
        stage: {
            "count": rows.get(stage, {}).get("count", 0),
            "amount": rows.get(stage, {}).get("amount") or ZERO,
        }
        for stage in OPEN_STAGES
    }


def lost_reasons() -> QuerySet[LostReason]:
    return LostReason.objects.filter(is_active=True)


def rep_names(*, ids) -> dict:
    """{user id: display name} for the pipeline's rep columns (one query)."""
    users = get_user_model().objects.filter(pk__in=[i for i in ids if i])
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


def customer_opportunities(*, customer, user, limit: int = 10) -> dict:
    """The customer page's panel: the customer's open opportunities the user may
    see, soonest close first (one query)."""
    rows = list(
        opportunity_scope(user=user)
        .filter(customer=customer, stage__in=OPEN_STAGES)
        .order_by(F("expected_close_date").asc(nulls_last=True), "pk")[: limit + 1]
    )
    return {"open": rows[:limit], "more": len(rows) > limit}


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
