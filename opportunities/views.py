"""Opportunity pages: the list, the board, the weighted pipeline, the form, the
opportunity page and the stage move. Views parse input and call one service;
opportunities are fetched through opportunities.selectors, so another rep's
opportunity is a 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from customers.lookup import customer_label
from customers.selectors import customer_scope, owner_choices
from opportunities import selectors, services
from opportunities.charts import pipeline_chart_svg
from opportunities.forms import MoveForm, OpportunityForm
from opportunities.models import OPEN_STAGES, Opportunity, Stage
from opportunities.tables import STAGE_BADGES, OpportunityTable
from sms.concurrency import StaleEdit, stale_edit_show
from sms.idempotency import post_once
from sms.lists import FilteredTableView
from sms.money import ZERO
from sms.pagination import id_param
from sms.roles import user_is_manager
from sms.templatetags.sms_tags import money

EXPORT_HEADERS = [
    "title",
    "company",
    "customer_ref",
    "lead_contact",
    "lead_email",
    "sales_rep",
    "stage",
    "amount",
    "probability",
    "weighted",
    "expected_close",
    "source",
    "next_step",
    "created",
    "closed",
]
EXPORT_KINDS = {"amount": "money", "probability": "int", "weighted": "money"}


class OpportunityListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "opportunities.view_opportunity"
    table_class = OpportunityTable
    template_name = "opportunities/opportunity_list.html"
    export_name = "opportunities"
    export_headers = EXPORT_HEADERS
    export_kinds = EXPORT_KINDS

    def get_filterset(self):
        return selectors.opportunity_filter(
            user=self.request.user, data=self.request.GET
        )

    def export_row(self, opportunity: Opportunity) -> list:
        return [
            opportunity.title,
            opportunity.company,
            opportunity.customer.external_ref if opportunity.customer_id else "",
            opportunity.lead_contact,
            opportunity.lead_email,
            opportunity.owner.get_username() if opportunity.owner_id else "",
            opportunity.get_stage_display(),
            opportunity.amount,
            opportunity.probability,
            opportunity.weighted_amount,
            opportunity.expected_close_date,
            opportunity.get_source_channel_display(),
            opportunity.next_step,
            opportunity.created_at,
            opportunity.closed_at,
        ]


# The board and the pipeline -------------------------------------------------------


def _owner_param(request: HttpRequest) -> int | None:
    return id_param(request.GET.get("owner"))


@permission_required("opportunities.view_opportunity", raise_exception=True)
def board_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    owner_id = _owner_param(request)
    queryset = selectors.board_queryset(user=user, owner_id=owner_id)
    is_manager = user_is_manager(user)
    return render(
        request,
        "opportunities/board.html",
        {
            "columns": selectors.board_columns(queryset=queryset),
            "lost_reasons": list(selectors.lost_reasons()),
            "stage_choices": Stage.choices,
            "owners": list(owner_choices()) if is_manager else [],
            "owner_id": owner_id,
            "today": timezone.localdate(),
        },
    )


@permission_required("opportunities.view_opportunity", raise_exception=True)
def pipeline_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    owner_id = _owner_param(request)
    queryset = selectors.board_queryset(user=user, owner_id=owner_id)
    months = selectors.weighted_pipeline(queryset=queryset)
    rep_ids = sorted({rep for month in months for rep in month["by_rep"]}, key=str)
    names = selectors.rep_names(ids=rep_ids)
    reps = sorted(
        ((pk, names.get(pk, _("Unassigned"))) for pk in rep_ids), key=lambda r: r[1]
    )
    for month in months:
        month["rep_cells"] = [month["by_rep"].get(pk) for pk, _name in reps]
    # Every cell is a sum of rounded weighted amounts: the totals are the sums of
    # the rows shown, whichever way they are added.
    totals = {
        "amount": sum((m["amount"] for m in months), start=ZERO),
        "count": sum(m["count"] for m in months),
        "weighted": sum((m["weighted"] for m in months), start=ZERO),
        "won": sum((m["won"] for m in months), start=ZERO),
        "reps": [
            sum((m["by_rep"].get(pk, ZERO) for m in months), start=ZERO)
            for pk, _n in reps
        ],
    }
    dated = [month for month in months if month["month"] is not None]
    chart = pipeline_chart_svg(rows=dated, currency=settings.SMS_CURRENCY)
    return render(
        request,
        "opportunities/pipeline.html",
        {
            "months": months,
            "reps": reps,
            "totals": totals,
            "chart": mark_safe(chart),  # noqa: S308 - made by matplotlib, no input
            "owners": list(owner_choices()) if user_is_manager(user) else [],
            "owner_id": owner_id,
        },
    )


# One opportunity ------------------------------------------------------------------


class OpportunityDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "opportunities.view_opportunity"
    template_name = "opportunities/opportunity_detail.html"
    context_object_name = "opportunity"

    def get_queryset(self):
        return selectors.opportunity_detail(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = self.object
        context.update(
            history=list(opportunity.stage_changes.all()),
            move_form=MoveForm(
                initial={"to_stage": _next_stage(opportunity.stage)},
                auto_id="id_move_%s",
            ),
            stage_badge=STAGE_BADGES[opportunity.stage],
            today=timezone.localdate(),
        )
        return context


def _next_stage(stage: str) -> str:
    order = [*OPEN_STAGES, Stage.WON]
    return order[order.index(stage) + 1] if stage in OPEN_STAGES else stage


def _form_page(request, *, form, opportunity=None):
    return render(
        request,
        "opportunities/opportunity_form.html",
        {"form": form, "opportunity": opportunity},
    )


def _add_service_errors(form, exc: ValidationError) -> None:
    """A service's errors next to their fields when the form has them."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@permission_required("opportunities.add_opportunity", raise_exception=True)
@post_once
def opportunity_create_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = OpportunityForm(request.POST, user=user)
        if form.is_valid():
            data = form.service_fields()
            owner = data.pop("owner", None)
            if not user_is_manager(user):
                owner = user
            try:
                opportunity = services.opportunity_create(
                    created_by=user, owner=owner, **data
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Opportunity “%(title)s” created.") % {"title": opportunity},
                )
                return redirect(opportunity)
    else:
        initial = {}
        pk = request.GET.get("customer", "")
        if pk.isdigit():
            customer = customer_scope(user=user).filter(pk=pk, is_active=True).first()
            if customer is not None:
                initial["customer"] = customer_label(customer)
                initial["source_channel"] = customer.source_channel
        form = OpportunityForm(initial=initial, user=user)
    return _form_page(request, form=form)


@permission_required("opportunities.change_opportunity", raise_exception=True)
def opportunity_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    opportunity = get_object_or_404(
        selectors.opportunity_scope(user=user).select_related("customer"), pk=pk
    )
    if request.method == "POST":
        form = OpportunityForm(request.POST, instance=opportunity, user=user)
        if form.is_valid():
            data = form.service_fields()
            if data.get("probability") is None:
                data.pop("probability", None)
            try:
                services.opportunity_update(opportunity=opportunity, user=user, **data)
            except StaleEdit as exc:
                stale_edit_show(form, exc)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Opportunity “%(title)s” saved.") % {"title": data["title"]},
                )
                return redirect(opportunity)
    else:
        form = OpportunityForm(instance=opportunity, user=user)
    return _form_page(request, form=form, opportunity=opportunity)


# The stage move: the board's drop (fetch, JSON back) and the plain forms ----------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_POST
@permission_required("opportunities.change_opportunity", raise_exception=True)
def opportunity_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    opportunity = get_object_or_404(selectors.opportunity_scope(user=user), pk=pk)
    form = MoveForm(request.POST)
    error = None
    if not form.is_valid():
        error = " ".join(
            str(message) for errors in form.errors.values() for message in errors
        )
    else:
        data = form.cleaned_data
        try:
            opportunity = services.opportunity_move(
                opportunity=opportunity,
                to_stage=data["to_stage"],
                user=user,
                lost_reason=data["lost_reason"],
                lost_note=data["lost_note"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)

    if _wants_json(request):
        if error:
            return JsonResponse({"ok": False, "error": error}, status=400)
        owner_id = request.POST.get("owner", "")
        queryset = selectors.board_queryset(
            user=user, owner_id=int(owner_id) if owner_id.isdigit() else None
        )
        totals = selectors.board_totals(queryset=queryset)
        return JsonResponse(
            {
                "ok": True,
                "stage": opportunity.stage,
                "stage_label": opportunity.get_stage_display(),
                "probability": opportunity.probability,
                "message": _("“%(title)s” moved to %(stage)s.")
                % {"title": opportunity, "stage": opportunity.get_stage_display()},
                "columns": {
                    stage: {"count": row["count"], "amount": money(row["amount"])}
                    for stage, row in totals.items()
                },
            }
        )
    if error:
        messages.error(request, error)
        # A lost move without a reason continues on the opportunity's page, whose
        # form asks for one.
        return redirect(opportunity)
    messages.success(
        request,
        _("“%(title)s” moved to %(stage)s.")
        % {"title": opportunity, "stage": opportunity.get_stage_display()},
    )
    return redirect(_next_url(request, opportunity.get_absolute_url()))
