from django.contrib.auth.decorators import permission_required
from django.urls import path

from customers import views_import, views_merge
from sms.views import section_coming_soon_view

app_name = "customers"


# Placeholder for the list and detail pages, which land from another branch; that
# branch's urls replace the two routes marked below (the names stay the same).
@permission_required("customers.view_customer", raise_exception=True)
def _coming_soon(request, pk=None):
    return section_coming_soon_view(request, section="customers")


urlpatterns = [
    path("", _coming_soon, name="customer-list"),  # placeholder
    path("<int:pk>/", _coming_soon, name="customer-detail"),  # placeholder
    path("import/", views_import.customer_import_view, name="customer-import"),
    path(
        "import/<str:token>/",
        views_import.customer_import_preview_view,
        name="customer-import-preview",
    ),
    path(
        "import/<str:token>/bad-rows.csv",
        views_import.customer_import_problems_view,
        name="customer-import-problems",
    ),
    path("merge/", views_merge.customer_merge_view, name="customer-merge"),
]
