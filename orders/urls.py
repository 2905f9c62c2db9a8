from django.urls import path

from orders import views, views_documents

app_name = "orders"

urlpatterns = [
    path("", views.OrderListView.as_view(), name="order-list"),
    path("overdue/", views.OverdueListView.as_view(), name="order-overdue"),
    path("new/", views.order_create_view, name="order-create"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("<int:pk>/edit/", views.order_update_view, name="order-update"),
    path("<int:pk>/confirm/", views.order_confirm_view, name="order-confirm"),
    path(
        "<int:pk>/return-to-draft/",
        views.order_return_to_draft_view,
        name="order-return-to-draft",
    ),
    path("<int:pk>/cancel/", views.order_cancel_view, name="order-cancel"),
    path("<int:pk>/ship/", views.order_ship_view, name="order-ship"),
    path(
        "<int:pk>/close-short/",
        views.order_close_short_view,
        name="order-close-short",
    ),
    path("<int:pk>/deliver/", views.order_deliver_view, name="order-deliver"),
    path("<int:pk>/payment/", views.payment_create_view, name="payment-create"),
    path("<int:pk>/refund/", views.refund_create_view, name="refund-create"),
    path("emails/<int:pk>/retry/", views.order_email_retry_view, name="email-retry"),
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
