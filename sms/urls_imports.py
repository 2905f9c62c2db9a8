"""Background import jobs: the status and result page, and its bad rows."""

from django.urls import path

from sms import views_imports

app_name = "imports"

urlpatterns = [
    path("<int:pk>/", views_imports.import_job_view, name="import-job"),
    path(
        "<int:pk>/bad-rows.csv",
        views_imports.import_job_problems_view,
        name="import-job-problems",
    ),
]
