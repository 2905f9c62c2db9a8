from django.urls import path

from orders import views_documents

app_name = "orders"

urlpatterns = [
    # Customer documents: invoice and packing slips, as pages and PDFs.
    path(
        "<int:pk>/invoice/",
        views_documents.order_invoice_view,
        name="order-invoice",
    ),
    path(
        "<int:pk>/invoice/pdf/",
        views_documents.order_invoice_pdf_view,
        name="order-invoice-pdf",
    ),
    path(
        "<int:pk>/packing-slip/",
        views_documents.order_packing_slip_view,
        name="order-packing-slip",
    ),
    path(
        "<int:pk>/packing-slip/pdf/",
        views_documents.order_packing_slip_pdf_view,
        name="order-packing-slip-pdf",
    ),
    path(
        "<int:pk>/shipments/<int:shipment_pk>/packing-slip/",
        views_documents.shipment_packing_slip_view,
        name="shipment-packing-slip",
    ),
    path(
        "<int:pk>/shipments/<int:shipment_pk>/packing-slip/pdf/",
        views_documents.shipment_packing_slip_pdf_view,
        name="shipment-packing-slip-pdf",
    ),
    # End of customer documents.
]
