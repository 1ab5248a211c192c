from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer_list"),
    path("new/", views.CustomerCreateView.as_view(), name="customer_create"),
    path("search/", views.CustomerSearchView.as_view(), name="customer_search"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("<int:pk>/notes/", views.NoteCreateView.as_view(), name="note_create"),
    path("<int:pk>/notes/<int:note_pk>/edit/", views.NoteEditView.as_view(), name="note_edit"),
    path("<int:pk>/notes/<int:note_pk>/delete/", views.NoteDeleteView.as_view(), name="note_delete"),
    path("<int:pk>/reps/", views.RepAssignView.as_view(), name="rep_assign"),
]
