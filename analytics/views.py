"""Analytics pages: the index and the Jobs page (start a job, watch its progress,
open any past run). Progress updates without reloading through a small JSON
endpoint that static/analytics/jobs.js polls; without JavaScript a reload shows
the same thing, because everything lives on the JobRun row."""

import csv
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from analytics import dashboard
from analytics.cache import figures_cached
from analytics.charts import chart_svg
from analytics.forecast_display import forecast_metric_table, mase_text
from analytics.forms import JobStartForm, ReportFilterForm
from analytics.jobs import job_start
from analytics.models import JobRun
from analytics.reports import REPORTS
from analytics.selectors import forecast_run_get, jobrun_list, jobrun_statuses
from analytics.templatetags.analytics_tags import (
    attempt_text,
    duration_text,
    status_badge,
)
from analytics.views_reports import REVENUE_RULE, report_context
from sms.exports import figure
from sms.roles import user_is_manager


@require_GET
@permission_required("analytics.view_reports", raise_exception=True)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """/analytics/: KPI tiles for a period against the previous one, and six charts
    with their numbers. A rep's dashboard covers their own customers."""
    form = ReportFilterForm(
        request.GET, user=request.user, fields=("rep", "region", "channel")
    )
    ctx = report_context(request, form)
    currency = settings.SMS_CURRENCY
    tiles = [
        *figures_cached("tiles-sales", ctx, lambda: dashboard.sales_tiles(ctx)),
        *figures_cached("tiles-opps", ctx, lambda: dashboard.opportunity_tiles(ctx)),
        *figures_cached("tiles-due", ctx, lambda: dashboard.receivable_tiles(ctx)),
        *dashboard.stock_tiles(ctx),
    ]
    charts = []
    no_sales = _("No sales in this period.")
    # What each card says instead of an empty axis when its chart has nothing.
    for key, build, report, empty in (
        (
            "monthly",
            dashboard.monthly_revenue_chart,
            "sales",
            _("No sales in these twelve months or the twelve before."),
        ),
        ("category", dashboard.category_chart, "products", no_sales),
        ("customers", dashboard.top_customers_chart, "customers", no_sales),
        ("products", dashboard.top_products_chart, "products", no_sales),
        ("funnel", dashboard.funnel_chart, "pipeline", _("No open pipeline today.")),
        ("reps", dashboard.rep_chart, "team", no_sales),
    ):
        chart, rows = figures_cached(
            f"chart-{key}:{currency}", ctx, lambda build=build: build(ctx, currency)
        )
        charts.append(
            {
                "key": key,
                "title": chart.title,
                "svg": chart_svg(chart),
                "empty": empty,
                "rows": rows,
                "report": report if report in REPORTS else "",
            }
        )
    context = {
        "form": form,
        "ctx": ctx,
        "compare": ctx.period.previous(),
        "tiles": tiles,
        "charts": charts,
        "own_only": not user_is_manager(request.user),
        "revenue_rule": REVENUE_RULE,
    }
    return render(request, "analytics/dashboard.html", context)


class JobRunListView(PermissionRequiredMixin, ListView):
    permission_required = "analytics.view_jobrun"
    paginate_by = 25
    form = None

    def get_queryset(self):
        kind = self.request.GET.get("kind")
        return jobrun_list(
            user=self.request.user, kind=kind if kind in JobRun.Kind.values else None
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm("analytics.run_job"):
            context["form"] = self.form or JobStartForm()
        context["kinds"] = JobRun.Kind.choices
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("analytics.run_job"):
            raise PermissionDenied
        form = JobStartForm(request.POST)
        if form.is_valid():
            try:
                job = job_start(
                    kind=form.cleaned_data["kind"],
                    parameters=form.parameters(),
                    user=request.user,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.add_message(request, *job_started_message(job))
                notice = job_start_notice(job)
                if notice:
                    messages.warning(request, notice)
                return redirect("analytics:jobrun-list")
        self.form = form
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(), status=400)


def job_started_message(job: JobRun) -> tuple[int, str]:
    """The message level and text once a job is started: where it stands now.
    Usually queued (a worker takes it later); without a broker it has already run."""
    job.refresh_from_db()
    values = {"job": job.get_kind_display(), "id": job.pk}
    if job.status == JobRun.Status.QUEUED:
        text = _(
            "%(job)s #%(id)d queued: it starts when a worker is free; its progress "
            "shows below."
        )
        return messages.INFO, text % values
    if job.status == JobRun.Status.RUNNING:
        text = _("%(job)s #%(id)d started; its progress shows below.")
        return messages.INFO, text % values
    if job.status == JobRun.Status.SUCCEEDED:
        return messages.SUCCESS, _("%(job)s #%(id)d finished.") % values
    return messages.ERROR, _("%(job)s #%(id)d failed; the error shows below.") % values


def job_start_notice(job: JobRun) -> str:
    """What a manager starting a forecast should know before it runs: that its
    history will end with the last month with sales, long before the as-of date
    (the run says so too, on its pages). One query; "" for other jobs."""
    from analytics.runners import (
        as_of_date,
        forecast_horizon,
        forecast_window_notice,
    )
    from analytics.selectors import forecast_window

    if job.kind != JobRun.Kind.FORECAST:
        return ""
    if job.is_finished:  # run in-process already (no broker)
        return (job.summary or {}).get("notice", "")
    window = forecast_window(as_of=as_of_date(job.parameters))
    return forecast_window_notice(window, forecast_horizon(job.parameters))


class JobRunDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "analytics.view_jobrun"
    context_object_name = "run"

    def get_queryset(self):
        return jobrun_list(user=self.request.user)


def jobrun_status(run: JobRun) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "badge": status_badge(run.status),
        "progress": run.progress,
        "message": run.message,
        "duration": duration_text(run.duration),
        "error": run.error.split("\n", 1)[0] if run.error else "",
        "attempt": attempt_text(run),
        "finished": run.is_finished,
    }


@require_GET
@never_cache
@permission_required("analytics.view_jobrun", raise_exception=True)
def jobrun_status_view(request: HttpRequest) -> JsonResponse:
    """``?id=1&id=2``: the current status of those runs, for the polling script."""
    ids = [int(value) for value in request.GET.getlist("id") if value.isdigit()]
    runs = jobrun_statuses(user=request.user, ids=ids)
    return JsonResponse({"jobs": [jobrun_status(run) for run in runs]})


# --- Forecast -----------------------------------------------------------------------

FORECAST_COLUMNS = ("forecast", "lower_80", "upper_80", "lower_95", "upper_95")
# A run's summary never changes once it succeeded, so its charts can live long.
FORECAST_CHART_TIMEOUT = 7 * 24 * 3600
CENT = Decimal("0.01")


def _amount(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _forecast_selection(request: HttpRequest) -> tuple[JobRun | None, dict | None]:
    """The run (``?run=``, else the latest succeeded forecast) and the chosen
    series (``?series=``, else the first: the total). 404 for an unknown run or
    series."""
    run_id = request.GET.get("run")
    if run_id is not None and not run_id.isdigit():
        raise Http404
    try:
        run = forecast_run_get(
            user=request.user, run_id=int(run_id) if run_id else None
        )
    except JobRun.DoesNotExist as exc:
        raise Http404 from exc
    if run is None:
        return None, None
    series = run.summary.get("series") or []
    key = request.GET.get("series")
    if key and key.startswith("product-"):
        series = run.summary.get("products") or []
    if not key:
        return run, series[0] if series else None
    for entry in series:
        if entry["key"] == key:
            return run, entry
    raise Http404


def forecast_table(entry: dict) -> list[dict]:
    """The forecast table as shown and downloaded: month (YYYY-MM) and Decimal
    amounts rounded to cents."""
    return [
        {
            "month": row["month"][:7],
            **{column: _amount(row.get(column)) for column in FORECAST_COLUMNS},
        }
        for row in entry["forecast"]
    ]


def forecast_chart(run: JobRun, entry: dict) -> str:
    """The entry's chart as inline SVG, cached per run and series: revenue in the
    currency, or a product's units."""
    from analytics.forecast_charts import forecast_chart_svg
    from analytics.forecasting import ForecastResult

    if "unit" in entry:
        measure, currency = "Units", entry["unit"]
    else:
        measure, currency = "Revenue", settings.SMS_CURRENCY
    # v2: without matplotlib's <style> element (refused by the CSP).
    key = f"analytics:forecast-chart:v2:{run.pk}:{entry['key']}:{currency}"
    return cache.get_or_set(
        key,
        lambda: forecast_chart_svg(
            ForecastResult.from_dict(entry), currency, measure=measure
        ),
        FORECAST_CHART_TIMEOUT,
    )


def forecast_drivers_note(entry: dict) -> dict | None:
    """What the forecast page says about drivers for the total: which were given,
    whether the chosen model used them, and if not, why. None for other series and
    for runs made before drivers existed."""
    if "drivers_given" not in entry:
        return None
    given = entry["drivers_given"]
    row = next((r for r in entry["metrics"] if r["key"] == "linear_drivers"), None)
    if not given:
        state, reason = "none", ""
    elif entry.get("drivers"):
        state, reason = "used", ""
    elif row is not None and row["available"]:
        chosen = next((r for r in entry["metrics"] if r["chosen"]), None)
        state = "compared"
        reason = _(
            "the regression with drivers had a backtest MASE of %(mase)s, %(chosen)s "
            "did better (%(best)s)"
        ) % {
            "mase": mase_text(row),
            "chosen": entry["chosen_label"],
            "best": mase_text(chosen),
        }
    else:
        state = "skipped"
        reason = (row or {}).get("note") or _("the model was not compared")
    return {
        "given": given,
        "used": entry.get("drivers") or [],
        "state": state,
        "reason": reason,
    }


def forecast_product_rows(run: JobRun) -> list[dict]:
    """The run's product unit forecasts for the page: per product, the first
    forecast month and the demand its reorder suggestion covers."""
    reorder = run.summary.get("reorder") or {}
    units = reorder.get("units", {})
    rows = []
    for entry in run.summary.get("products") or []:
        first = entry["forecast"][0] if entry["forecast"] else {}
        rows.append(
            {
                "key": entry["key"],
                "label": entry["label"],
                "sku": entry["sku"],
                "unit": entry["unit"],
                "revenue_12m": _amount(entry.get("revenue_12m")),
                "chosen_label": entry["chosen_label"],
                "first_label": (first.get("month") or "")[:7],
                "first_month": _amount(first.get("forecast")),
                "demand": units.get(str(entry["product_id"])),
            }
        )
    return rows


@require_GET
@permission_required("analytics.view_jobrun", raise_exception=True)
def forecast_view(request: HttpRequest) -> HttpResponse:
    run, entry = _forecast_selection(request)
    context = {"run": run, "entry": entry, "horizons": (12, 6)}
    if run is not None:
        context["series_list"] = run.summary.get("series") or []
        context["skipped"] = run.summary.get("skipped") or []
        context["product_rows"] = forecast_product_rows(run)
        context["products_skipped"] = run.summary.get("products_skipped") or []
        context["reorder"] = run.summary.get("reorder")
    if entry is not None:
        context["chart"] = forecast_chart(run, entry)
        context["table"] = forecast_table(entry)
        context["metrics"] = entry["metrics"]
        context["metric_table"] = forecast_metric_table(entry)
        context["drivers_note"] = forecast_drivers_note(entry)
        context["is_product"] = "unit" in entry
    if request.user.has_perm("analytics.run_job"):
        context["today"] = timezone.localdate().isoformat()
    return render(request, "analytics/forecast.html", context)


@require_GET
@permission_required("analytics.view_jobrun", raise_exception=True)
def forecast_csv_view(request: HttpRequest) -> HttpResponse:
    """The forecast table of ``?run=`` and ``?series=`` as CSV."""
    run, entry = _forecast_selection(request)
    if entry is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"forecast-{run.pk}-{entry['key']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["month", *FORECAST_COLUMNS])
    # A product's series is in units: whole numbers, as the page shows them.
    kind = "int" if "unit" in entry else "money"
    for row in forecast_table(entry):
        writer.writerow(
            [
                row["month"],
                *(
                    "" if row[c] is None else figure(row[c], kind)
                    for c in FORECAST_COLUMNS
                ),
            ]
        )
    return response
