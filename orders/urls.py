from django.urls import path

from orders import views_import

app_name = "orders"

urlpatterns = []

# Order history import: upload, preview, confirm, bad rows (orders.views_import).
urlpatterns += [
    path("import/", views_import.order_import_view, name="order-import"),
    path(
        "import/<str:token>/",
        views_import.order_import_preview_view,
        name="order-import-preview",
    ),
    path(
        "import/<str:token>/bad-rows.csv",
        views_import.order_import_problems_view,
        name="order-import-problems",
    ),
]
