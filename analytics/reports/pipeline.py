"""Pipeline report: how far opportunities get (stage conversion), how long they
stay in each stage (time in stage) and why deals are lost (lost reasons)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Greatest, Lead
from django.utils.translation import gettext as _

from analytics.charts import Chart, Series, hbar_chart
from analytics.reports.base import (
    ZERO,
    Column,
    Report,
    ReportContext,
    ReportView,
    Tab,
    Table,
    report_register,
    share,
)
from analytics.reports.sources import in_period, period_bounds, report_opportunities
from opportunities.models import OPEN_STAGES, Stage, StageChange
from sms.money import money

# The stages in the order a deal moves through them; lost is a way out, not a step.
FUNNEL = (*OPEN_STAGES, Stage.WON)
RANK = {stage: rank for rank, stage in enumerate(FUNNEL, start=1)}


def _rank(field: str):
    return Case(
        *[When(**{field: stage}, then=Value(rank)) for stage, rank in RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


# Conversion ---------------------------------------------------------------------

CONVERSION_COLUMNS = (
    Column("stage", "Stage"),
    Column("reached", "Reached", "int"),
    Column("from_previous", "Conversion from previous stage", "percent"),
    Column("from_first", "Conversion from lead", "percent"),
)


def conversion_rows(ctx: ReportContext) -> list[dict]:
    """One query: each opportunity created in the period gets the furthest stage it
    reached (its stage history, or its stage now for one without history), then the
    opportunities at or beyond each stage are counted."""
    furthest = Greatest(
        Coalesce(Max(_rank("stage_changes__to_stage")), Value(0)),
        _rank("stage"),
    )
    counts = (
        report_opportunities(ctx)
        .filter(in_period("created_at", ctx.period))
        .annotate(furthest=furthest)
        .aggregate(
            **{
                stage: Count("pk", filter=Q(furthest__gte=rank))
                for stage, rank in RANK.items()
            }
        )
    )
    rows, first, previous = [], counts[FUNNEL[0]], None
    for stage in FUNNEL:
        reached = counts[stage]
        rows.append(
            {
                "stage": str(Stage(stage).label),
                "reached": reached,
                "from_previous": None if previous is None else share(reached, previous),
                "from_first": share(reached, first),
            }
        )
        previous = reached
    return rows


def conversion_view(ctx: ReportContext) -> ReportView:
    rows = conversion_rows(ctx)
    chart = hbar_chart(
        _("Opportunities reaching each stage"),
        rows,
        "reached",
        label="stage",
        name=_("Opportunities"),
        unit=_("opportunities"),
    )
    return ReportView(
        slug="conversion",
        title=_("Stage conversion of the opportunities created in the period"),
        table=Table(CONVERSION_COLUMNS, rows if rows[0]["reached"] else []),
        chart=chart if rows[0]["reached"] else None,
        empty=_("No opportunity was created in this period."),
        note=_(
            "An opportunity counts in every stage up to the furthest it reached, "
            "also the stages it skipped."
        ),
    )


# Time in stage --------------------------------------------------------------------

TIME_COLUMNS = (
    Column("stage", "Stage"),
    Column("transitions", "Stage exits measured", "int"),
    Column("average", "Average days", "days"),
    Column("median", "Median days", "days"),
)


def _days_sql(end: str, start: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0"
    return f"(julianday({end}) - julianday({start}))"  # SQLite


def time_in_stage(ctx: ReportContext) -> dict[str, dict]:
    """{stage: {transitions, average, median}} for the stage exits in the period.

    The time in a stage runs from the stage change that entered it to the next one
    of the same opportunity (LEAD() over the history ordered by time). Django
    cannot aggregate over a window function, so the windowed history is built by
    the ORM (with the user's scope and the filters) and the averages and medians
    are taken over it in plain SQL: one query. The median is the middle value (or
    the mean of the two middle values) by ROW_NUMBER, which both PostgreSQL and
    SQLite can do."""
    # Only the opportunities with a stage change in the period can have an exit in
    # it; their whole history is read, so LEAD() sees every stay.
    moved = StageChange.objects.filter(
        in_period("created_at", ctx.period), opportunity=OuterRef("pk")
    )
    opportunities = report_opportunities(ctx).filter(Exists(moved))
    history = (
        StageChange.objects.filter(opportunity__in=opportunities)
        .annotate(
            exited_at=Window(
                Lead("created_at"),
                partition_by=[F("opportunity_id")],
                order_by=[F("created_at").asc(), F("pk").asc()],
            )
        )
        .values("to_stage", "created_at", "exited_at")
        .order_by()
    )
    inner, params = history.query.sql_with_params()
    start, end = period_bounds(ctx.period)
    days = _days_sql("h.exited_at", "h.created_at")
    open_stages = [str(stage) for stage in OPEN_STAGES]
    stages = ", ".join(["%s"] * len(open_stages))
    sql = f"""
        WITH h AS ({inner}),
        d AS (
            SELECT h.to_stage AS stage, {days} AS days
            FROM h
            WHERE h.exited_at >= %s AND h.exited_at < %s AND h.to_stage IN ({stages})
        ),
        r AS (
            SELECT stage, days,
                ROW_NUMBER() OVER (PARTITION BY stage ORDER BY days) AS n,
                COUNT(*) OVER (PARTITION BY stage) AS size
            FROM d
        )
        SELECT stage, COUNT(*), AVG(days),
            AVG(CASE WHEN n IN ((size + 1) / 2, (size + 2) / 2) THEN days END)
        FROM r GROUP BY stage
    """  # noqa: S608 - the inner query is Django's own, with its parameters
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, adapt(start), adapt(end), *open_stages))
        found = cursor.fetchall()
    return {
        stage: {
            "transitions": count,
            "average": _one_decimal(average),
            "median": _one_decimal(median),
        }
        for stage, count, average, median in found
    }


def _one_decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def time_view(ctx: ReportContext) -> ReportView:
    found = time_in_stage(ctx)
    rows = [
        {
            "stage": str(Stage(stage).label),
            **found.get(stage, {"transitions": 0, "average": None, "median": None}),
        }
        for stage in OPEN_STAGES
    ]
    measured = any(row["transitions"] for row in rows)
    chart = hbar_chart(
        _("Average days in each stage"),
        rows,
        "average",
        label="stage",
        name=_("Average days"),
        unit=_("days"),
    )
    return ReportView(
        slug="time",
        title=_("Time in each stage"),
        table=Table(TIME_COLUMNS, rows if measured else []),
        chart=chart if measured else None,
        empty=_("No opportunity left a stage in this period."),
        note=_(
            "Measured on the stage exits in the period: the days from entering a "
            "stage to leaving it for any other (won and lost included)."
        ),
    )


# Lost reasons ---------------------------------------------------------------------

LOST_COLUMNS = (
    Column("reason", "Lost reason"),
    Column("count", "Opportunities", "int"),
    Column("amount", "Amount lost", "money"),
    Column("share", "Share", "percent"),
    Column("cumulative", "Cumulative share", "percent"),
)


def lost_rows(ctx: ReportContext) -> list[dict]:
    """Opportunities lost in the period by reason, most frequent first (one
    query)."""
    found = (
        report_opportunities(ctx)
        .filter(in_period("closed_at", ctx.period), stage=Stage.LOST)
        .values("lost_reason", "lost_reason__name")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("-count", "-total", "lost_reason__name")
    )
    found = list(found)
    whole = sum(row["count"] for row in found)
    rows, running = [], 0
    for row in found:
        running += row["count"]
        rows.append(
            {
                "reason": row["lost_reason__name"] or _("Other (in words)"),
                "count": row["count"],
                "amount": money(row["total"] or ZERO),
                "share": share(row["count"], whole),
                "cumulative": share(running, whole),
            }
        )
    return rows


def lost_view(ctx: ReportContext) -> ReportView:
    rows = lost_rows(ctx)
    totals = None
    if rows:
        totals = {
            "reason": _("Total"),
            "count": sum(row["count"] for row in rows),
            "amount": sum((row["amount"] for row in rows), ZERO),
            "share": Decimal("100.0"),
        }
    chart = Chart(
        kind="pareto",
        title=_("Lost opportunities by reason"),
        labels=[row["reason"] for row in rows],
        series=[Series(_("Opportunities"), [row["count"] for row in rows])],
        unit=_("opportunities"),
    )
    return ReportView(
        slug="lost",
        title=_("Lost reasons"),
        table=Table(LOST_COLUMNS, rows, totals),
        chart=chart if rows else None,
        empty=_("No opportunity was lost in this period."),
        note=_(
            "Opportunities moved to lost in the period and not reopened since. "
            "Amount lost is their amount when they were lost."
        ),
    )


report_register(
    Report(
        slug="pipeline",
        title="Pipeline",
        description=(
            "Conversion between stages, time spent in each stage and why deals "
            "are lost."
        ),
        filters=("rep", "region", "channel"),
        views=(
            Tab("conversion", "Stage conversion", conversion_view),
            Tab("time", "Time in stage", time_view),
            Tab("lost", "Lost reasons", lost_view),
        ),
        method=(
            "Stage conversion: the opportunities created in the period, each "
            "counted in every stage up to the furthest one its stage history "
            "reached (a deal that skipped a stage counts in it too; a lost deal "
            "counts up to where it was lost). Conversion from the previous stage "
            "is that stage's count divided by the previous one's. Time in stage: "
            "for each stage exit in the period, the days from the stage change "
            "that entered the stage to the next change; average and median per "
            "stage. Lost reasons: the opportunities lost in the period (close "
            "date), by reason; a reason given only in words counts as Other. The "
            "rep filter selects the opportunity's owner; region and channel are "
            "the customer's (for a lead without a customer, its own source)."
        ),
    )
)
