"""Order pages: list and overdue list, the order form, the order page and its
actions. Views parse input and call one service; orders are fetched through
orders.selectors, so another rep's order is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import DetailView
from django_tables2.views import SingleTableView

from customers.lookup import customer_label
from customers.selectors import customer_scope
from orders import selectors, services
from orders.forms import (
    CancelForm,
    LineFormSet,
    OrderForm,
    PaymentForm,
    ShipmentForm,
    line_initial,
)
from orders.models import Order, OrderEmail
from orders.tables import OrderTable, OverdueTable
from sms.concurrency import StaleEdit, stale_edit_show
from sms.idempotency import post_once
from sms.lists import FilteredTableView
from sms.outbox.services import outbox_retry
from sms.pagination import BoundedTableMixin

EXPORT_HEADERS = [
    "number",
    "order_date",
    "customer",
    "customer_ref",
    "sales_rep",
    "status",
    "subtotal",
    "discount",
    "net",
    "tax",
    "shipping",
    "total",
    "paid",
    "balance_due",
    "payment_status",
    "due_date",
]
EXPORT_KINDS = dict.fromkeys(
    ("subtotal", "discount", "net", "tax", "shipping", "total", "paid", "balance_due"),
    "money",
)


class OrderListView(PermissionRequiredMixin, FilteredTableView):
    permission_required = "orders.view_order"
    table_class = OrderTable
    template_name = "orders/order_list.html"
    export_name = "orders"
    export_headers = EXPORT_HEADERS
    export_kinds = EXPORT_KINDS

    def get_filterset(self):
        return selectors.order_filter(user=self.request.user, data=self.request.GET)

    def export_row(self, order: Order) -> list:
        return [
            order.number,
            order.order_date,
            order.customer.name,
            order.customer.external_ref,
            order.owner.get_username(),
            order.get_status_display(),
            order.subtotal,
            order.discount_total,
            order.net_total,
            order.tax_total,
            order.shipping_charge,
            order.total,
            order.amount_paid,
            order.balance_due,
            order.get_payment_status_display()
            if order.status in Order.BILLABLE
            else "",
            order.due_date,
        ]


class OverdueListView(PermissionRequiredMixin, BoundedTableMixin, SingleTableView):
    permission_required = "orders.view_order"
    table_class = OverdueTable
    template_name = "orders/overdue_list.html"

    def get_queryset(self):
        return selectors.overdue_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overdue_total"] = selectors.overdue_total(user=self.request.user)
        return context


class OrderDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "orders.view_order"
    template_name = "orders/order_detail.html"

    def get_queryset(self):
        return selectors.order_detail(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        context.update(
            lines=list(order.lines.all()),
            timeline=selectors.order_timeline(order=order),
            shipments=list(order.shipments.all()),
            payments=list(order.payments.all()),
            emails=list(order.emails.all()),
            cancel_form=CancelForm(),
            billable=Order.BILLABLE,
        )
        return context


# The order form -------------------------------------------------------------------


def _form_page(request, *, form, formset, order=None):
    return render(
        request,
        "orders/order_form.html",
        {
            "form": form,
            "formset": formset,
            "order": order,
            "products": selectors.sellable_products(),
        },
    )


@permission_required("orders.add_order", raise_exception=True)
@post_once
def order_create_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = OrderForm(request.POST, user=user)
        formset = LineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                order = services.order_create(
                    customer=data["customer"],
                    warehouse=data["warehouse"],
                    owner=data.get("owner"),
                    order_date=data["order_date"],
                    discount_percent=data["discount_percent"],
                    shipping_charge=data["shipping_charge"],
                    notes=data["notes"],
                    lines=formset.line_inputs(),
                    created_by=user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Draft order {order.number} created.")
                return redirect(order)
    else:
        initial = {}
        wanted = request.GET.get("customer", "")
        customer = (
            customer_scope(user=user).filter(pk=wanted).first()
            if wanted.isdigit()
            else None
        )
        if customer is not None:
            initial["customer"] = customer_label(customer)
        form = OrderForm(initial=initial, user=user)
        formset = LineFormSet(prefix="lines")
    return _form_page(request, form=form, formset=formset)


@permission_required("orders.change_order", raise_exception=True)
def order_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(selectors.order_scope(user=request.user), pk=pk)
    if not order.is_editable:
        messages.error(
            request, "Only a draft can be edited; return the order to draft first."
        )
        return redirect(order)
    if request.method == "POST":
        form = OrderForm(request.POST, user=request.user, editing=True)
        formset = LineFormSet(request.POST, prefix="lines")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                services.order_update(
                    order=order,
                    user=request.user,
                    warehouse=data["warehouse"],
                    owner=data.get("owner"),
                    order_date=data["order_date"],
                    discount_percent=data["discount_percent"],
                    shipping_charge=data["shipping_charge"],
                    notes=data["notes"],
                    lines=formset.line_inputs(),
                    version=data["version"],
                )
            except StaleEdit as exc:
                stale_edit_show(form, exc)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Order {order.number} saved.")
                return redirect(order)
    else:
        form = OrderForm(
            initial={
                "warehouse": order.warehouse_id,
                "owner": order.owner_id,
                "order_date": order.order_date,
                "discount_percent": order.discount_percent,
                "shipping_charge": order.shipping_charge,
                "notes": order.notes,
                "version": order.version,
            },
            user=request.user,
            editing=True,
        )
        formset = LineFormSet(
            prefix="lines",
            initial=line_initial(order.lines.select_related("product")),
        )
    return _form_page(request, form=form, formset=formset, order=order)


# Actions -------------------------------------------------------------------------


def _act(request, order, action, success: str) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success.format(number=order.number))
    return redirect(order)


@require_POST
@permission_required("orders.confirm_order", raise_exception=True)
def order_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(selectors.order_scope(user=request.user), pk=pk)
    return _act(
        request,
        order,
        lambda: services.order_confirm(order=order, user=request.user),
        "Order {number} confirmed; the stock is reserved.",
    )


@require_POST
@permission_required("orders.confirm_order", raise_exception=True)
def order_return_to_draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(selectors.order_scope(user=request.user), pk=pk)
    return _act(
        request,
        order,
        lambda: services.order_return_to_draft(order=order, user=request.user),
        "Order {number} is a draft again; its reservations were released.",
    )


def _order_and_reason(request: HttpRequest, pk: int) -> tuple[Order, str]:
    """The order (404 outside the user's scope) and the optional reason posted."""
    order = get_object_or_404(selectors.order_scope(user=request.user), pk=pk)
    form = CancelForm(request.POST)
    return order, form.cleaned_data["reason"] if form.is_valid() else ""


@require_POST
@permission_required("orders.confirm_order", raise_exception=True)
def order_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    order, reason = _order_and_reason(request, pk)
    return _act(
        request,
        order,
        lambda: services.order_cancel(order=order, user=request.user, reason=reason),
        "Order {number} cancelled.",
    )


@require_POST
@permission_required("orders.confirm_order", raise_exception=True)
def order_close_short_view(request: HttpRequest, pk: int) -> HttpResponse:
    order, reason = _order_and_reason(request, pk)
    return _act(
        request,
        order,
        lambda: services.order_close_short(
            order=order, user=request.user, reason=reason
        ),
        "Order {number} closed short: the open units were cancelled and their "
        "stock released.",
    )


@require_POST
@permission_required("orders.ship_order", raise_exception=True)
def order_deliver_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(selectors.order_scope(user=request.user), pk=pk)
    return _act(
        request,
        order,
        lambda: services.order_deliver(order=order, user=request.user),
        "Order {number} marked delivered.",
    )


@permission_required("orders.ship_order", raise_exception=True)
@post_once
def order_ship_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(
        selectors.order_scope(user=request.user).select_related("customer"), pk=pk
    )
    if order.status not in (Order.Status.CONFIRMED, Order.Status.PARTIALLY_SHIPPED):
        messages.error(request, "Only a confirmed order can be shipped.")
        return redirect(order)
    lines = list(order.lines.all())
    form = ShipmentForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            services.order_ship(
                order=order,
                user=request.user,
                quantities=form.quantities(),
                shipped_on=form.cleaned_data["shipped_on"],
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Shipment of {order.number} recorded.")
            return redirect(order)
    return render(request, "orders/shipment_form.html", {"order": order, "form": form})


def _payment_view(request, pk: int, *, refund: bool) -> HttpResponse:
    order = get_object_or_404(
        selectors.order_scope(user=request.user).select_related("customer"), pk=pk
    )
    limit = order.amount_paid if refund else order.balance_due
    if order.status not in Order.BILLABLE or limit <= 0:
        messages.error(
            request,
            "Nothing has been paid to refund."
            if refund
            else "This order has no balance due.",
        )
        return redirect(order)
    form = PaymentForm(
        request.POST or None,
        limit=limit,
        initial={"amount": limit, "paid_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        record = services.refund_record if refund else services.payment_record
        data = form.cleaned_data
        try:
            record(
                order=order,
                user=request.user,
                amount=data["amount"],
                paid_on=data["paid_on"],
                method=data["method"],
                reference=data["reference"],
            )
        except ValidationError as exc:
            form.add_error("amount", exc)
        else:
            what = "Refund" if refund else "Payment"
            messages.success(request, f"{what} of {data['amount']} recorded.")
            return redirect(order)
    return render(
        request,
        "orders/payment_form.html",
        {"order": order, "form": form, "refund": refund},
    )


@permission_required("orders.add_payment", raise_exception=True)
@post_once
def payment_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _payment_view(request, pk, refund=False)


@permission_required("orders.refund_payment", raise_exception=True)
@post_once
def refund_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _payment_view(request, pk, refund=True)


@require_POST
@permission_required("orders.change_order", raise_exception=True)
def order_email_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    email = get_object_or_404(
        OrderEmail.objects.filter(order__in=selectors.order_scope(user=request.user)),
        pk=pk,
    )
    return _act(
        request,
        email.order,
        lambda: outbox_retry(message=email),
        "The e-mail for {number} is queued again.",
    )
