from django.urls import path

from opportunities import views, views_leads, views_quotes

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
    # Quotes (opportunities.views_quotes)
    path("<int:pk>/quotes/new/", views_quotes.quote_create_view, name="quote-create"),
    path(
        "quotes/<int:pk>/", views_quotes.QuoteDetailView.as_view(), name="quote-detail"
    ),
    path("quotes/<int:pk>/edit/", views_quotes.quote_update_view, name="quote-update"),
    path("quotes/<int:pk>/send/", views_quotes.quote_send_view, name="quote-send"),
    path(
        "quotes/<int:pk>/accept/", views_quotes.quote_accept_view, name="quote-accept"
    ),
    path(
        "quotes/<int:pk>/reject/", views_quotes.quote_reject_view, name="quote-reject"
    ),
    path("quotes/<int:pk>/print/", views_quotes.quote_print_view, name="quote-print"),
    path("quotes/<int:pk>/pdf/", views_quotes.quote_pdf_view, name="quote-pdf"),
    # End of quotes
]
# Lead form
urlpatterns += [
    path("lead-form/", views_leads.lead_form_view, name="lead-form"),
]
# End of lead form
