"""Analytics reads. Job runs are team-wide (aggregates over every customer), so no
per-rep scoping: the views' permissions decide who sees them. Segment results are
per customer and scoped (see below)."""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Avg, Count, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import slugify

from analytics import rfm
from analytics.models import CustomerSegment, JobRun
from customers.selectors import customer_scope
from sms.roles import user_is_manager

ZERO = Decimal("0.00")


def jobrun_list(*, user, kind: str | None = None) -> QuerySet[JobRun]:
    runs = JobRun.objects.select_related("started_by")
    if kind:
        runs = runs.filter(kind=kind)
    return runs


def jobrun_statuses(*, user, ids: Iterable[int]) -> QuerySet[JobRun]:
    """The runs the status endpoint reports on (a page's unfinished runs)."""
    return JobRun.objects.filter(pk__in=list(ids)[:100]).only(
        "pk",
        "status",
        "progress",
        "message",
        "error",
        "started_at",
        "finished_at",
        "kind",
    )


def forecast_run_get(*, user, run_id: int | None = None) -> JobRun | None:
    """A succeeded forecast run: ``run_id``'s, else the latest; None if none.
    Raises JobRun.DoesNotExist for an id that is not a succeeded forecast run."""
    runs = JobRun.objects.select_related("started_by").filter(
        kind=JobRun.Kind.FORECAST, status=JobRun.Status.SUCCEEDED
    )
    if run_id is not None:
        return runs.get(pk=run_id)
    return runs.order_by("-finished_at", "-pk").first()


# Segments ------------------------------------------------------------------------
#
# Segment results are per customer, so unlike job runs they are scoped: managers see
# every customer; a rep sees the grid, the lists and the CSV computed over their own
# customers only (through customers.selectors.customer_scope). The K-Means section
# describes the whole customer base and is shown to managers only.


def segment_slug(name: str) -> str:
    return slugify(name)


SEGMENT_BY_SLUG = {segment_slug(name): name for name in rfm.SEGMENTS}


def segmentation_run_get(*, user, run_id: str | int | None = None) -> JobRun | None:
    """The run a segments page shows: ``run_id`` (a succeeded segmentation run,
    else 404) or the latest succeeded one (None when there is none)."""
    runs = JobRun.objects.filter(
        kind=JobRun.Kind.SEGMENTATION, status=JobRun.Status.SUCCEEDED
    )
    if run_id not in (None, ""):
        if not str(run_id).isdigit():
            raise Http404
        return get_object_or_404(runs, pk=int(run_id))
    return runs.order_by("-finished_at", "-pk").first()


def segment_results(*, user, run: JobRun) -> QuerySet[CustomerSegment]:
    """The run's per-customer rows the user may see."""
    rows = CustomerSegment.objects.filter(job=run)
    if not user_is_manager(user):
        rows = rows.filter(customer__in=customer_scope(user=user))
    return rows


def segment_grid(*, user, run: JobRun) -> list[dict]:
    """Per segment (best first, all eleven): customers, revenue, revenue share,
    average R/F/M and the advice line, over the customers the user may see. One
    query."""
    rows = {
        row["segment"]: row
        for row in segment_results(user=user, run=run)
        .order_by()
        .values("segment")
        .annotate(
            customers=Count("pk"),
            revenue=Sum("monetary"),
            avg_r=Avg("r"),
            avg_f=Avg("f"),
            avg_m=Avg("m"),
            avg_recency=Avg("recency_days"),
        )
    }
    total = sum((row["revenue"] or ZERO for row in rows.values()), start=ZERO)
    grid = []
    for name in rfm.SEGMENTS:
        row = rows.get(name, {})
        revenue = row.get("revenue") or ZERO
        share = float(revenue / total) if total else 0.0
        grid.append(
            {
                "segment": name,
                "slug": segment_slug(name),
                "advice": rfm.SEGMENT_ADVICE[name],
                "customers": row.get("customers", 0),
                "revenue": revenue,
                "revenue_share": share,
                "avg_r": row.get("avg_r"),
                "avg_f": row.get("avg_f"),
                "avg_m": row.get("avg_m"),
                "avg_recency": row.get("avg_recency"),
                # Background alpha 0.08-0.75 grows with the revenue share.
                "intensity": round(0.08 + 0.67 * share, 2),
            }
        )
    return grid


def segment_customer_list(
    *, user, run: JobRun, segment: str, filters=None
) -> QuerySet[CustomerSegment]:
    """One segment's customers in ``run``, biggest spenders first, customer and
    owner joined. ``filters["q"]`` narrows by customer name."""
    rows = (
        segment_results(user=user, run=run)
        .filter(segment=segment)
        .select_related("customer", "customer__owner")
        .order_by("-monetary", "customer_id")
    )
    query = (filters or {}).get("q", "").strip()
    if query:
        rows = rows.filter(customer__name__icontains=query)
    return rows


def segment_cluster_points(*, run: JobRun) -> list[tuple]:
    """(customer id, recency, frequency, monetary, cluster) of every customer in the
    run, for the K-Means charts (managers only)."""
    return list(
        CustomerSegment.objects.filter(job=run)
        .order_by("customer_id")
        .values_list("customer_id", "recency_days", "frequency", "monetary", "cluster")
    )


def customer_segment_history(*, customer, user, limit: int = 12) -> dict:
    """The customer page panel: the customer's segment in the latest succeeded runs,
    newest first (one query)."""
    if not user.has_perm("analytics.view_customersegment"):
        return {"visible": False}
    history = list(
        CustomerSegment.objects.filter(
            customer=customer,
            job__kind=JobRun.Kind.SEGMENTATION,
            job__status=JobRun.Status.SUCCEEDED,
        )
        .select_related("job")
        .defer("job__summary", "job__error")
        .order_by("-job__finished_at", "-job_id")[:limit]
    )
    for row in history:
        row.slug = segment_slug(row.segment)
        row.advice = rfm.SEGMENT_ADVICE.get(row.segment, "")
        row.value_horizon = run_value_horizon(row.job)
    return {
        "visible": True,
        "current": history[0] if history else None,
        "history": history,
    }


# Customer value ------------------------------------------------------------------
#
# Expected value is stored with each segmentation run's rows (analytics/value.py), so
# it is scoped like the segments: reps see their own customers only.


def run_value_horizon(run: JobRun) -> int:
    """The months a run's expected values cover."""
    return int((run.parameters or {}).get("value_horizon_months") or 12)


def value_tier_table(*, user, run: JobRun) -> list[dict]:
    """Per tier A, B, C: customers, expected value and its share of the total over
    the customers the user may see. One query."""
    rows = {
        row["value_tier"]: row
        for row in segment_results(user=user, run=run)
        .filter(expected_value__isnull=False)
        .order_by()
        .values("value_tier")
        .annotate(customers=Count("pk"), value=Sum("expected_value"))
    }
    total = sum((row["value"] or ZERO for row in rows.values()), start=ZERO)
    table = []
    for tier in ("A", "B", "C"):
        row = rows.get(tier, {})
        amount = row.get("value") or ZERO
        table.append(
            {
                "tier": tier,
                "customers": row.get("customers", 0),
                "value": amount,
                "share": float(amount / total) if total else 0.0,
            }
        )
    return table


def value_customer_list(*, user, run: JobRun) -> QuerySet[CustomerSegment]:
    """The run's customers with an expected value, most valuable first, customer
    and owner joined."""
    return (
        segment_results(user=user, run=run)
        .filter(expected_value__isnull=False)
        .select_related("customer", "customer__owner")
        .order_by("-expected_value", "customer_id")
    )
