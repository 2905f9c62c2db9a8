"""An order's customer documents: the invoice and the packing slips, each as a
printable page and as a PDF download. Read-only; the content comes from
orders.documents, so page and PDF say the same."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from orders.documents import (
    invoice_data,
    invoice_pdf,
    packing_slip_data,
    packing_slip_pdf,
)
from orders.selectors import order_documents, order_packing_slips, shipment_documents


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


@require_safe
@permission_required("orders.view_order", raise_exception=True)
def order_invoice_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(order_documents(user=request.user), pk=pk)
    return render(
        request, "orders/invoice.html", {"doc": invoice_data(order), "order": order}
    )


@require_safe
@permission_required("orders.view_order", raise_exception=True)
def order_invoice_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(order_documents(user=request.user), pk=pk)
    data = invoice_data(order)
    return _pdf_response(invoice_pdf(data), data.filename)


@require_safe
@permission_required("orders.view_order", raise_exception=True)
def order_packing_slip_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(order_packing_slips(user=request.user), pk=pk)
    return render(
        request,
        "orders/packing_slip.html",
        {"doc": packing_slip_data(order), "order": order},
    )


@require_safe
@permission_required("orders.view_order", raise_exception=True)
def order_packing_slip_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(order_packing_slips(user=request.user), pk=pk)
    data = packing_slip_data(order)
    return _pdf_response(packing_slip_pdf(data), data.filename)


def _shipment(request: HttpRequest, pk: int, shipment_pk: int):
    order = get_object_or_404(order_documents(user=request.user), pk=pk)
    shipment = get_object_or_404(shipment_documents(order=order), pk=shipment_pk)
    return order, shipment


@require_safe
@permission_required("orders.view_order", raise_exception=True)
def shipment_packing_slip_view(
    request: HttpRequest, pk: int, shipment_pk: int
) -> HttpResponse:
    order, shipment = _shipment(request, pk, shipment_pk)
    return render(
        request,
        "orders/packing_slip.html",
        {"doc": packing_slip_data(order, shipment), "order": order},
    )


@require_safe
@permission_required("orders.view_order", raise_exception=True)
def shipment_packing_slip_pdf_view(
    request: HttpRequest, pk: int, shipment_pk: int
) -> HttpResponse:
    order, shipment = _shipment(request, pk, shipment_pk)
    data = packing_slip_data(order, shipment)
    return _pdf_response(packing_slip_pdf(data), data.filename)
