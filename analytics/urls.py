from django.urls import path

from analytics import views, views_segments, views_value

app_name = "analytics"

urlpatterns = [
    path("", views.analytics_index_view, name="index"),
    path("jobs/", views.JobRunListView.as_view(), name="jobrun-list"),
    path("jobs/status/", views.jobrun_status_view, name="jobrun-status"),
    path("forecast/", views.forecast_view, name="forecast"),
    path("forecast/csv/", views.forecast_csv_view, name="forecast-csv"),
    path("jobs/<int:pk>/", views.JobRunDetailView.as_view(), name="jobrun-detail"),
    path("value/", views_value.value_report_view, name="value-report"),
    path("segments/", views_segments.segment_overview_view, name="segment-overview"),
    path(
        "segments/charts/<str:chart>.svg",
        views_segments.segment_chart_view,
        name="segment-chart",
    ),
    path(
        "segments/<slug:slug>/",
        views_segments.segment_customers_view,
        name="segment-customers",
    ),
]
