from django.urls import path

from analytics import views, views_drivers, views_reports, views_segments, views_value

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard_view, name="index"),
    path("reports/", views_reports.report_list_view, name="report-list"),
    path("reports/<slug:slug>/", views_reports.report_view, name="report"),
    path("jobs/", views.JobRunListView.as_view(), name="jobrun-list"),
    path("jobs/status/", views.jobrun_status_view, name="jobrun-status"),
    path("forecast/", views.forecast_view, name="forecast"),
    path("forecast/csv/", views.forecast_csv_view, name="forecast-csv"),
    path(
        "forecast/drivers/", views_drivers.DriverListView.as_view(), name="driver-list"
    ),
    path(
        "forecast/drivers/new/",
        views_drivers.DriverCreateView.as_view(),
        name="driver-create",
    ),
    path(
        "forecast/drivers/<int:pk>/",
        views_drivers.DriverUpdateView.as_view(),
        name="driver-update",
    ),
    path(
        "forecast/drivers/<int:pk>/delete/",
        views_drivers.driver_delete_view,
        name="driver-delete",
    ),
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
