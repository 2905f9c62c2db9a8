from django.urls import path

from opportunities import views

app_name = "opportunities"

urlpatterns = [
    # Opportunity pages
    path("", views.OpportunityListView.as_view(), name="opportunity-list"),
    path("board/", views.board_view, name="board"),
    path("pipeline/", views.pipeline_view, name="pipeline"),
    path("new/", views.opportunity_create_view, name="opportunity-create"),
    path("<int:pk>/", views.OpportunityDetailView.as_view(), name="opportunity-detail"),
    path("<int:pk>/edit/", views.opportunity_update_view, name="opportunity-update"),
    path("<int:pk>/move/", views.opportunity_move_view, name="opportunity-move"),
    # End of opportunity pages
]
