"""Segments pages: the RFM grid and K-Means clusters of a segmentation run, one
segment's customers (paginated, CSV) and the K-Means charts.

Scoping: managers see every customer. Reps see the grid and the customer lists over
their own customers only, and not the K-Means section (it describes the whole
customer base). A segment or run that does not exist is a 404.
"""

import csv

from django.contrib.auth.decorators import permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from analytics.job_options import BASE_FEATURES, FEATURE_TITLES
from analytics.models import JobRun
from analytics.selectors import (
    SEGMENT_BY_SLUG,
    segment_cluster_points,
    segment_customer_list,
    segment_grid,
    segment_slug,
    segmentation_run_get,
    segmentation_run_is_latest,
)
from sms.roles import user_is_manager

PERMISSION = "analytics.view_customersegment"
FEATURES = BASE_FEATURES


def _axes(request: HttpRequest) -> tuple[str, str]:
    x = request.GET.get("x")
    y = request.GET.get("y")
    x = x if x in FEATURES else "recency_days"
    y = y if y in FEATURES else "monetary"
    return x, y


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def segment_overview_view(request: HttpRequest) -> HttpResponse:
    run = segmentation_run_get(user=request.user, run_id=request.GET.get("run"))
    context = {"run": run, "features": FEATURES, "feature_titles": []}
    if run is not None:
        x, y = _axes(request)
        summary = run.summary or {}
        context.update(
            grid=segment_grid(user=request.user, run=run),
            show_clusters=user_is_manager(request.user),
            clusters=summary.get("clusters", []),
            silhouette=sorted(
                (int(k), v) for k, v in summary.get("silhouette", {}).items()
            ),
            chosen_k=summary.get("k"),
            x=x,
            y=y,
            feature_titles=[(f, FEATURE_TITLES[f]) for f in FEATURES],
        )
    return render(request, "analytics/segment_overview.html", context)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def segment_customers_view(request: HttpRequest, slug: str) -> HttpResponse:
    segment = SEGMENT_BY_SLUG.get(slug)
    if segment is None:
        raise Http404
    run = segmentation_run_get(user=request.user, run_id=request.GET.get("run"))
    if run is None:
        raise Http404
    rows = segment_customer_list(
        user=request.user, run=run, segment=segment, filters=request.GET
    )
    if request.GET.get("format") == "csv":
        return _csv(rows, segment=segment, run=run)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    # The customer list filters on the latest run only; without ?run= this is it.
    latest = not request.GET.get("run") or segmentation_run_is_latest(run=run)
    return render(
        request,
        "analytics/segment_customers.html",
        {
            "run": run,
            "segment": segment,
            "slug": slug,
            "page_obj": page,
            "rows": page.object_list,
            "q": request.GET.get("q", ""),
            "customer_list_url": _customer_list_url(slug) if latest else None,
        },
    )


def _customer_list_url(slug: str) -> str:
    """The customer list filtered on this segment (the filter analytics registers
    there); inactive customers too, as in the segment's own list."""
    query = urlencode({"segment": slug, "status": "all"})
    return f"{reverse('customers:customer-list')}?{query}"


def _csv(rows, *, segment: str, run: JobRun) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"segment-{segment_slug(segment)}-run-{run.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "customer_id",
            "customer",
            "owner",
            "segment",
            "recency_days",
            "frequency",
            "monetary",
            "r",
            "f",
            "m",
            "cluster",
        ]
    )
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                row.customer_id,
                row.customer.name,
                row.customer.owner.get_username() if row.customer.owner else "",
                row.segment,
                row.recency_days,
                row.frequency,
                row.monetary,
                row.r,
                row.f,
                row.m,
                "" if row.cluster is None else row.cluster,
            ]
        )
    return response


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def segment_chart_view(request: HttpRequest, chart: str) -> HttpResponse:
    """The K-Means charts as SVG (managers): ``scatter`` (?x=&y=) or
    ``silhouette``. Cached per run and axes: a run's results never change."""
    if not user_is_manager(request.user):
        raise PermissionDenied
    if chart not in ("scatter", "silhouette"):
        raise Http404
    run = segmentation_run_get(user=request.user, run_id=request.GET.get("run"))
    if run is None:
        raise Http404
    x, y = _axes(request)
    key = f"analytics:segments:{run.pk}:{chart}:{x}:{y}"
    svg = cache.get(key)
    if svg is None:
        svg = _chart(run, chart, x, y)
        cache.set(key, svg, 24 * 3600)
    return HttpResponse(svg, content_type="image/svg+xml")


def _chart(run: JobRun, chart: str, x: str, y: str) -> str:
    # Imported here, not at start-up: pandas, scikit-learn and matplotlib.
    import pandas as pd

    from analytics import clustering, clustering_charts

    summary = run.summary or {}
    description = pd.DataFrame(summary.get("clusters") or [])
    result = clustering.ClusteringResult(
        labels=pd.DataFrame(columns=["customer_id", "cluster"]),
        silhouette={int(k): v for k, v in summary.get("silhouette", {}).items()},
        k=summary.get("k") or 1,
        k_fixed=bool(summary.get("k_fixed")),
        description=description,
        features=list(FEATURES),
    )
    if chart == "silhouette":
        return clustering_charts.silhouette_svg(result)
    data = pd.DataFrame(
        segment_cluster_points(run=run),
        columns=["customer_id", "recency_days", "frequency", "monetary", "cluster"],
    )
    data["cluster"] = data["cluster"].fillna(0).astype("int64")
    result.labels = data[["customer_id", "cluster"]]
    return clustering_charts.scatter_svg(data, result, x=x, y=y)
