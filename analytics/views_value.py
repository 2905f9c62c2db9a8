"""The customer value report: expected value per tier A/B/C, how the values were
made (the fitted model or the fallback, and the holdout check) and the most valuable
customers of a segmentation run (``?run=ID``, else the latest) with their R, P, L
and V, with a CSV of every customer (``?format=csv``). Reps see their own customers
only; the permission and scoping are the segments pages' (see views_segments)."""

import csv

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from analytics.models import JobRun
from analytics.selectors import (
    run_value_horizon,
    segmentation_run_get,
    value_customer_list,
    value_tier_table,
)
from sms.roles import user_is_manager

PERMISSION = "analytics.view_customersegment"
TOP = 50


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def value_report_view(request: HttpRequest) -> HttpResponse:
    run = segmentation_run_get(user=request.user, run_id=request.GET.get("run"))
    context = {"run": run, "own_only": not user_is_manager(request.user)}
    if run is not None:
        rows = value_customer_list(user=request.user, run=run)
        if request.GET.get("format") == "csv":
            return _csv(rows, run=run)
        tiers = value_tier_table(user=request.user, run=run)
        context.update(
            horizon=run_value_horizon(run),
            vm=(run.summary or {}).get("value_model"),
            tiers=tiers,
            has_values=any(row["customers"] for row in tiers),
            top=list(rows[:TOP]),
            top_count=TOP,
        )
    return render(request, "analytics/value_report.html", context)


def _csv(rows, *, run: JobRun) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="customer-value-run-{run.pk}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "customer_id",
            "customer",
            "owner",
            "value_tier",
            "value_per_purchase",
            "expected_purchases",
            "probability_active_percent",
            "expected_value",
            "horizon_months",
            "orders",
            "monetary",
            "recency_days",
            "segment",
        ]
    )
    horizon = run_value_horizon(run)
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                row.customer_id,
                row.customer.name,
                row.customer.owner.get_username() if row.customer.owner else "",
                row.value_tier,
                _blank(row.value_per_purchase),
                _decimals(row.expected_purchases, 2),
                _decimals(
                    None
                    if row.probability_active is None
                    else 100 * row.probability_active,
                    1,
                ),
                row.expected_value,
                horizon,
                row.frequency,
                row.monetary,
                row.recency_days,
                row.segment,
            ]
        )
    return response


def _blank(value) -> str:
    return "" if value is None else str(value)


def _decimals(number: float | None, places: int) -> str:
    """A model's number (P, L) with ``places`` decimals (no download writes more
    than two); empty for none (L in the fallback, R, P and L on runs made before
    the fitted model)."""
    return "" if number is None else f"{number:.{places}f}"
