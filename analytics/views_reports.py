"""Report pages: /analytics/reports/ (the list) and /analytics/reports/<slug>/ (one
report: filters, tabs, the chart, the table, CSV and XLSX of exactly that table)."""

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from analytics.cache import figures_cached
from analytics.charts import chart_svg
from analytics.exports import csv_response, xlsx_response
from analytics.forms import ReportFilterForm
from analytics.reports import REPORTS, Report, ReportContext
from analytics.tables import table_body_html, table_totals_html
from sms.roles import user_is_manager
from sms.templatetags.sms_tags import user_name

REVENUE_RULE = (
    "Revenue is the net amount of billable orders: confirmed, partially shipped, "
    "shipped and delivered orders (never drafts or cancelled orders), after line "
    "and order discounts, before tax and shipping, dated by the order date. With a "
    "category filter, only that category's lines count."
)

# In place of a chart with nothing to draw, unless the tab has its own words.
EMPTY = "Nothing to show for this period and these filters."


def report_context(
    request: HttpRequest, form: ReportFilterForm, *, options: dict | None = None
) -> ReportContext:
    today = timezone.localdate()
    return ReportContext(
        user=request.user,
        period=form.report_period(today=today),
        today=today,
        rep=form.value("rep"),
        region=form.value("region"),
        channel=form.value("channel"),
        category=form.value("category"),
        options=options or {},
    )


def _about(report: Report, ctx: ReportContext, view_title: str, user) -> list:
    period = f"{ctx.period.start.isoformat()} to {ctx.period.end.isoformat()}"
    about = [
        ("Report", f"{report.title}: {view_title}"),
        ("Period", period) if report.dated else ("As of", ctx.today.isoformat()),
        ("Scope", "every customer" if user_is_manager(user) else "your customers"),
    ]
    for name, value in (
        ("Sales rep", ctx.rep and user_name(ctx.rep)),
        ("Region", ctx.region),
        ("Channel", ctx.channel),
        ("Category", ctx.category and str(ctx.category)),
        *ctx.options.items(),
    ):
        if value:
            about.append((name, str(value)))
    about.append(("Currency", settings.SMS_CURRENCY))
    about.append(("Revenue", REVENUE_RULE))
    if report.method:
        about.append(("Method", report.method))
    about.append(("Made", timezone.now().strftime("%Y-%m-%d %H:%M %Z")))
    return about


@require_GET
@permission_required("analytics.view_reports", raise_exception=True)
def report_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/report_list.html", {"reports": REPORTS.values()})


@require_GET
@permission_required("analytics.view_reports", raise_exception=True)
def report_view(request: HttpRequest, slug: str) -> HttpResponse:
    report = REPORTS.get(slug)
    if report is None:
        raise Http404
    tab = report.tab(request.GET.get("view") or report.views[0].slug)
    if tab is None:
        raise Http404
    view = tab.slug
    form = ReportFilterForm(
        request.GET, user=request.user, fields=report.filters, dated=report.dated
    )
    ctx = report_context(request, form, options=report.option_values(request.GET))
    result = figures_cached(f"report-{report.slug}-{view}", ctx, lambda: tab.build(ctx))
    dates = (ctx.period.start, ctx.period.end) if report.dated else (ctx.today,)
    filename = "-".join(map(str, (report.slug, view, *dates)))
    download = request.GET.get("format")
    if download == "csv":
        return csv_response(result.table, filename)
    if download == "xlsx":
        about = _about(report, ctx, tab.title, request.user)
        return xlsx_response(result.table, filename, about)
    context = {
        "report": report,
        "reports": REPORTS.values(),
        "view": view,
        "result": result,
        "form": form,
        "ctx": ctx,
        "as_of": None if report.dated else ctx.today,
        "chart": chart_svg(result.chart) if result.chart else "",
        "empty": result.empty or EMPTY,
        "table_body": table_body_html(result.table),
        "table_totals": table_totals_html(result.table),
        "own_only": not user_is_manager(request.user),
        "revenue_rule": REVENUE_RULE,
        "keep": {"view": view} if len(report.views) > 1 else {},
        "option_fields": [
            (name, label, choices, ctx.options.get(name, ""))
            for name, label, choices in report.options
        ],
    }
    return render(request, "analytics/report.html", context)
