from django.urls import path

from opportunities import views_leads

app_name = "opportunities"

urlpatterns = []

# Lead form
urlpatterns += [
    path("lead-form/", views_leads.lead_form_view, name="lead-form"),
]
# End of lead form
