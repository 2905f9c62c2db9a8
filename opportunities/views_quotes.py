"""Quote pages: the quote form (new and edit), the quote page, its actions (send,
accept, reject) and the printed quote (page and PDF). Views parse input and call
one service; quotes and opportunities are fetched through opportunities.selectors,
so another rep's quote is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import DetailView

from inventory.models import Warehouse
from inventory.selectors import warehouses_to_fill
from opportunities import selectors, services
from opportunities.documents import quote_data, quote_pdf
from opportunities.forms_quotes import QuoteForm, QuoteLineFormSet
from opportunities.models import Opportunity, Quote
from orders.forms import line_initial
from sms.concurrency import StaleEdit, stale_edit_show
from sms.idempotency import post_once


def opportunity_url(opportunity: Opportunity) -> str:
    """The opportunity's page, or the pipeline when there is no such page yet."""
    try:
        return opportunity.get_absolute_url()
    except NoReverseMatch:
        return "/opportunities/"


def _form_page(request, *, form, formset, opportunity, quote=None) -> HttpResponse:
    return render(
        request,
        "opportunities/quote_form.html",
        {
            "form": form,
            "formset": formset,
            "opportunity": opportunity,
            "opportunity_url": opportunity_url(opportunity),
            "quote": quote,
            "products": selectors.quote_form_products(),
        },
    )


@permission_required("opportunities.add_quote", raise_exception=True)
@post_once
def quote_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_object_or_404(
        selectors.opportunity_scope(user=request.user).select_related("customer"),
        pk=pk,
    )
    if not opportunity.is_open:
        messages.error(request, _("Quotes are made on open opportunities."))
        return redirect(opportunity_url(opportunity))
    if request.method == "POST":
        form = QuoteForm(request.POST)
        formset = QuoteLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            try:
                quote = services.quote_create(
                    opportunity=opportunity,
                    lines=formset.line_inputs(),
                    valid_until=form.cleaned_data["valid_until"],
                    notes=form.cleaned_data["notes"],
                    created_by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Draft quote %(number)s created.") % {"number": quote}
                )
                return redirect(quote)
    else:
        form = QuoteForm()
        formset = QuoteLineFormSet(prefix="lines")
    return _form_page(request, form=form, formset=formset, opportunity=opportunity)


@permission_required("opportunities.change_quote", raise_exception=True)
def quote_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(
        selectors.quote_scope(user=request.user).select_related(
            "opportunity__customer"
        ),
        pk=pk,
    )
    if quote.status != Quote.Status.DRAFT:
        messages.error(request, _("Only a draft quote can be changed."))
        return redirect(quote)
    if request.method == "POST":
        form = QuoteForm(request.POST)
        formset = QuoteLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            try:
                services.quote_update(
                    quote=quote,
                    lines=formset.line_inputs(),
                    valid_until=form.cleaned_data["valid_until"],
                    notes=form.cleaned_data["notes"],
                    user=request.user,
                    version=form.cleaned_data["version"],
                )
            except StaleEdit as exc:
                stale_edit_show(form, exc)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Quote %(number)s saved.") % {"number": quote}
                )
                return redirect(quote)
    else:
        form = QuoteForm(
            initial={
                "valid_until": quote.valid_until,
                "notes": quote.notes,
                "version": quote.version,
            }
        )
        formset = QuoteLineFormSet(
            prefix="lines",
            initial=line_initial(
                quote.lines.select_related("product").order_by("position", "pk")
            ),
        )
    return _form_page(
        request,
        form=form,
        formset=formset,
        opportunity=quote.opportunity,
        quote=quote,
    )


class QuoteDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "opportunities.view_quote"
    template_name = "opportunities/quote_detail.html"

    def get_queryset(self):
        return selectors.quote_detail(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quote = self.object
        emails = list(quote.emails.all())
        context.update(
            lines=list(quote.lines.all()),
            emails=emails,
            email_failed=any(e.status == e.Status.FAILED for e in emails),
            opportunity_url=opportunity_url(quote.opportunity),
            can_decide=quote.status in (Quote.Status.DRAFT, Quote.Status.SENT),
        )
        if context["can_decide"]:
            # Offered when there is a choice, the one that can fill most of the
            # quote from stock first chosen; the order ships from the chosen one.
            needs: dict[int, int] = {}
            for line in context["lines"]:
                needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity
            warehouses = warehouses_to_fill(needs=needs)
            context["no_active_warehouse"] = not warehouses
            if len(warehouses) > 1:
                best = max(warehouses, key=lambda w: w.fillable)
                context.update(
                    warehouses=warehouses,
                    warehouse_best=best,
                    units_needed=sum(needs.values()),
                )
        return context


# Actions -------------------------------------------------------------------------


def _quote_for_action(request, pk: int) -> Quote:
    return get_object_or_404(selectors.quote_scope(user=request.user), pk=pk)


@require_POST
@permission_required("opportunities.change_quote", raise_exception=True)
def quote_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_action(request, pk)
    was_sent = quote.status == Quote.Status.SENT
    try:
        quote = services.quote_send(quote=quote, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if was_sent:
            text = _("The e-mail for %(number)s is queued again.")
        else:
            text = _("Quote %(number)s is on its way to %(to)s.")
        messages.success(request, text % {"number": quote, "to": quote.sent_to})
    return redirect(quote)


def _accept_error(request: HttpRequest, exc: ValidationError) -> str:
    text = " ".join(exc.messages)
    if getattr(exc, "code", None) == "no_active_warehouse" and request.user.has_perm(
        "inventory.add_warehouse"
    ):
        return format_html(
            '{} <a class="alert-link" href="{}">{}</a>',
            text,
            reverse("inventory:warehouse_create"),
            _("Add a warehouse."),
        )
    return text


@require_POST
@permission_required("opportunities.change_quote", raise_exception=True)
def quote_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_action(request, pk)
    already = quote.status == Quote.Status.ACCEPTED
    warehouse = None
    chosen = request.POST.get("warehouse", "")
    if chosen:
        warehouse = (
            Warehouse.objects.filter(pk=chosen, is_active=True).first()
            if chosen.isdigit()
            else None
        )
        if warehouse is None:
            messages.error(request, _("Choose one of the active warehouses."))
            return redirect(quote)
    try:
        order = services.quote_accept(
            quote=quote, user=request.user, warehouse=warehouse
        )
    except ValidationError as exc:
        messages.error(request, _accept_error(request, exc))
        return redirect(quote)
    if already:
        text = _("Quote %(number)s was already accepted: draft order %(order)s.")
    else:
        text = _(
            "Quote %(number)s accepted; the opportunity is won and draft order "
            "%(order)s was made from it."
        )
    messages.success(request, text % {"number": quote, "order": order.number})
    return redirect(order)


@require_POST
@permission_required("opportunities.change_quote", raise_exception=True)
def quote_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _quote_for_action(request, pk)
    try:
        services.quote_reject(quote=quote, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Quote %(number)s marked rejected.") % {"number": quote}
        )
    return redirect(quote)


# The printed quote -----------------------------------------------------------------


@require_safe
@permission_required("opportunities.view_quote", raise_exception=True)
def quote_print_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(selectors.quote_documents(user=request.user), pk=pk)
    return render(
        request,
        "opportunities/quote_print.html",
        {"doc": quote_data(quote), "quote": quote},
    )


@require_safe
@permission_required("opportunities.view_quote", raise_exception=True)
def quote_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(selectors.quote_documents(user=request.user), pk=pk)
    data = quote_data(quote)
    response = HttpResponse(quote_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=data.filename
    )
    return response
