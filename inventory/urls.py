from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.StockOverviewView.as_view(), name="stock-overview"),
    path("products/<int:pk>/", views.ProductStockView.as_view(), name="product-stock"),
    path("receive/", views.StockReceiveView.as_view(), name="stock-receive"),
    path("adjust/", views.StockAdjustView.as_view(), name="stock-adjust"),
    path("transfer/", views.StockTransferView.as_view(), name="stock-transfer"),
    path("warehouses/", views.WarehouseListView.as_view(), name="warehouse-list"),
    path(
        "warehouses/new/", views.WarehouseCreateView.as_view(), name="warehouse_create"
    ),
    path(
        "warehouses/<int:pk>/edit/",
        views.WarehouseUpdateView.as_view(),
        name="warehouse_update",
    ),
    path(
        "warehouses/<int:pk>/active/",
        views.warehouse_active_view,
        name="warehouse_active",
    ),
    path("alerts/", views.LowStockAlertListView.as_view(), name="alert-list"),
    path("alerts/check/", views.low_stock_check_view, name="alert-check"),
]
