from django.urls import path

from customers import views, views_merge

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer-list"),
    path("new/", views.CustomerCreateView.as_view(), name="customer-create"),
    path("lookup/", views.customer_lookup_view, name="customer-lookup"),
    path("reassign/", views.customer_reassign_view, name="customer-reassign"),
    path("merge/", views_merge.customer_merge_view, name="customer-merge"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer-detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="customer-update"),
    path("<int:pk>/active/", views.customer_activate_view, name="customer-activate"),
    path(
        "<int:pk>/contacts/new/",
        views.ContactCreateView.as_view(),
        name="contact-create",
    ),
    path(
        "<int:pk>/contacts/<int:contact_pk>/edit/",
        views.ContactFormView.as_view(),
        name="contact-update",
    ),
    path(
        "<int:pk>/interactions/new/",
        views.InteractionCreateView.as_view(),
        name="interaction-create",
    ),
    path("tasks/", views.TaskListView.as_view(), name="task-list"),
    path("tasks/new/", views.TaskCreateView.as_view(), name="task-create"),
    path("tasks/<int:pk>/done/", views.task_done_view, name="task-done"),
]
