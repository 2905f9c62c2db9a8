"""The import pages of every declaration (sms.import_pipeline), and the page of a
background import job with its bad rows."""

from django.urls import path

from sms import views_imports

app_name = "imports"

urlpatterns = [
    # Jobs first: a number is a job, never a kind.
    path("<int:pk>/", views_imports.import_job_view, name="import-job"),
    path(
        "<int:pk>/bad-rows.csv",
        views_imports.import_job_problems_view,
        name="import-job-problems",
    ),
    path("<slug:kind>/", views_imports.import_upload_view, name="import-upload"),
    path(
        "<slug:kind>/<str:token>/",
        views_imports.import_preview_view,
        name="import-preview",
    ),
    path(
        "<slug:kind>/<str:token>/bad-rows.csv",
        views_imports.import_problems_view,
        name="import-problems",
    ),
]
