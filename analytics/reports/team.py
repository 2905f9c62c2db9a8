"""Sales team report: per rep, revenue and orders, opportunities won and lost, win
rate, average deal size and sales cycle, activities logged and the pipeline.

Four grouped queries (orders, closed opportunities, interactions, open pipeline),
each grouped by the rep, and one for the reps' names; the rows are put together in
Python by rep id."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, DurationField, F, Q, Sum
from django.utils.translation import gettext as _

from analytics.charts import Chart, Series
from analytics.reports.base import (
    ZERO,
    Column,
    Report,
    ReportContext,
    ReportView,
    Tab,
    Table,
    ratio,
    report_register,
    share,
)
from analytics.reports.sources import (
    in_period,
    report_interactions,
    report_opportunities,
)
from customers.selectors import owner_choices
from opportunities.models import Stage
from opportunities.selectors import weighted_sum
from sms.money import money
from sms.roles import user_is_manager

COLUMNS = (
    Column("rep", "Sales rep"),
    Column("revenue", "Revenue", "money"),
    Column("orders", "Orders", "int"),
    Column("won", "Won", "int"),
    Column("lost", "Lost", "int"),
    Column("win_rate", "Win rate", "percent"),
    Column("won_amount", "Won amount", "money"),
    Column("deal_size", "Average deal size", "money", adds_up=False),
    Column("cycle", "Average sales cycle (days)", "days"),
    Column("activities", "Activities", "int"),
    Column("pipeline", "Open pipeline", "money"),
    Column("weighted", "Weighted pipeline", "money"),
)


def _days(total: timedelta | None, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    average = Decimal(total.total_seconds()) / (86400 * count)
    return average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _by_owner(rows, key: str = "owner") -> dict:
    return {row[key]: row for row in rows}


def team_figures(ctx: ReportContext) -> dict[str, dict]:
    """Each figure group, keyed by rep id: one grouped query per group."""
    sales = (
        ctx.orders()
        .values("owner")
        .annotate(revenue=Sum("net_total"), orders=Count("pk"))
        .order_by()
    )
    won, lost = Q(stage=Stage.WON), Q(stage=Stage.LOST)
    closed = (
        report_opportunities(ctx)
        .filter(in_period("closed_at", ctx.period), won | lost)
        .values("owner")
        .annotate(
            won=Count("pk", filter=won),
            lost=Count("pk", filter=lost),
            won_amount=Sum("amount", filter=won),
            cycle=Sum(
                F("closed_at") - F("created_at"),
                filter=won,
                output_field=DurationField(),
            ),
        )
        .order_by()
    )
    activities = (
        report_interactions(ctx)
        .values("created_by")
        .annotate(activities=Count("pk"))
        .order_by()
    )
    pipeline = (
        report_opportunities(ctx)
        .open()
        # "open_amount", not "amount": weighted_sum's F("amount") must mean the field.
        .values("owner")
        .annotate(open_amount=Sum("amount"), weighted=weighted_sum())
        .order_by()
    )
    return {
        "sales": _by_owner(sales),
        "closed": _by_owner(closed),
        "activities": _by_owner(activities, "created_by"),
        "pipeline": _by_owner(pipeline),
    }


def _reps(ctx: ReportContext, ids: set) -> list:
    """Whose rows the table shows: a rep, only themself; a manager, every sales rep
    and manager plus anyone else credited with figures (a rep who has left)."""
    users = get_user_model().objects.order_by("first_name", "last_name", "username")
    if not user_is_manager(ctx.user):
        return [ctx.user]
    return list(users.filter(Q(pk__in=owner_choices().values("pk")) | Q(pk__in=ids)))


def _row(figures: dict, key, name: str) -> dict:
    """The figures of one rep (``key``: their id; None for opportunities nobody
    owns)."""
    sales = figures["sales"].get(key, {})
    closed = figures["closed"].get(key, {})
    pipeline = figures["pipeline"].get(key, {})
    won, lost = closed.get("won", 0), closed.get("lost", 0)
    won_amount = money(closed.get("won_amount") or ZERO)
    return {
        "rep_id": key,
        "rep": name,
        "revenue": money(sales.get("revenue") or ZERO),
        "orders": sales.get("orders", 0),
        "won": won,
        "lost": lost,
        "win_rate": share(won, won + lost),
        "won_amount": won_amount,
        "deal_size": ratio(won_amount, won),
        "cycle_total": closed.get("cycle"),
        "cycle": _days(closed.get("cycle"), won),
        # Interactions logged by nobody (the system) are no one's activity.
        "activities": figures["activities"].get(key, {}).get("activities", 0)
        if key is not None
        else 0,
        "pipeline": money(pipeline.get("open_amount") or ZERO),
        "weighted": pipeline.get("weighted") or ZERO,
    }


def team_rows(ctx: ReportContext) -> list[dict]:
    figures = team_figures(ctx)
    ids = {key for group in figures.values() for key in group if key is not None}
    rows = [
        _row(figures, user.pk, user.get_full_name() or user.get_username())
        for user in _reps(ctx, ids)
    ]
    rows.sort(key=lambda row: (-row["revenue"], -row["won_amount"], row["rep"]))
    # Opportunities without an owner (leads nobody was assigned) in a last row, so
    # the team's pipeline is the whole pipeline, as on the dashboard.
    if user_is_manager(ctx.user) and (
        None in figures["pipeline"] or None in figures["closed"]
    ):
        rows.append(_row(figures, None, _("Unassigned")))
    return rows


def team_totals(rows: list[dict]) -> dict:
    def total(key, start=0):
        return sum((row[key] for row in rows), start)

    won, lost, won_amount = total("won"), total("lost"), total("won_amount", ZERO)
    cycles = [row["cycle_total"] for row in rows if row["cycle_total"] is not None]
    return {
        "rep": _("Total"),
        "revenue": total("revenue", ZERO),
        "orders": total("orders"),
        "won": won,
        "lost": lost,
        "win_rate": share(won, won + lost),
        "won_amount": won_amount,
        "deal_size": ratio(won_amount, won),
        "cycle": _days(sum(cycles, timedelta()), won),
        "activities": total("activities"),
        "pipeline": total("pipeline", ZERO),
        "weighted": total("weighted", ZERO),
    }


def team_view(ctx: ReportContext) -> ReportView:
    rows = team_rows(ctx)
    chart = Chart(
        kind="bar",
        title=_("Revenue per rep"),
        labels=[row["rep"] for row in rows],
        # Revenue alone: won amounts are usually a small fraction of it and would
        # be flat bars on the same axis; the table has them.
        series=[Series(_("Revenue"), [row["revenue"] for row in rows])],
        unit=settings.SMS_CURRENCY,
    )
    note = "" if user_is_manager(ctx.user) else _("Your own figures.")
    return ReportView(
        slug="team",
        title=_("Sales team"),
        table=Table(COLUMNS, rows, team_totals(rows) if rows else None),
        chart=chart,
        note=note,
        empty=_("No revenue in this period."),
    )


report_register(
    Report(
        slug="team",
        title="Sales team",
        description=(
            "Per rep: revenue, orders, deals won and lost, win rate, deal size, "
            "sales cycle, activities and pipeline."
        ),
        filters=("region", "channel"),
        views=(Tab("team", "Per rep", team_view),),
        method=(
            "Revenue and orders are the billable orders credited to the rep (the "
            "order's sales rep) dated in the period. Won and lost count the "
            "opportunities the rep owns that were closed (moved to won or lost) in "
            "the period; a lost deal that was reopened no longer counts. Win rate "
            "is won / (won + lost). Average deal size is the won amount divided by "
            "the deals won. Average sales cycle is the days from an opportunity's "
            "creation to its win, over the deals won in the period. Activities are "
            "the calls, e-mails, meetings and notes the rep logged in the period. "
            "Open pipeline is the amount of the rep's open opportunities now; "
            "weighted pipeline multiplies each by its own probability (the "
            "stage's default unless the rep changed it), rounded to the cent per "
            "opportunity before adding. Opportunities nobody owns are in an "
            "Unassigned row. A rep sees only their own row."
        ),
    )
)
