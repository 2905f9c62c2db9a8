from django.contrib import admin
from django.urls import include, path

from sms import views
from sms.context_processors import SECTIONS

admin.site.site_header = "SMS administration"
admin.site.site_title = "SMS administration"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("health/", views.health_view, name="health"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("customers/", include("customers.urls")),
    path("products/", include("products.urls")),
    path("inventory/", include("inventory.urls")),
    path("orders/", include("orders.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("analytics/", include("analytics.urls")),
    path("imports/", include("sms.urls_imports")),
]

LANDED = {
    "customers",
    "opportunities",
    "products",
    "inventory",
    "orders",
    "analytics",
}

# Sections whose app has not landed yet show a "coming soon" page, so the navbar
# never leads to a 404. An app that lands adds its key to LANDED and includes its urls.
urlpatterns += [
    path(
        url.lstrip("/"),
        views.section_coming_soon_view,
        {"section": key},
        name=f"{key}-soon",
    )
    for key, _label, url in SECTIONS
    if key not in LANDED
]
