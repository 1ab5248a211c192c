from django.urls import path

from silqeqms.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.JobListView.as_view(), name="job_list"),
    path("start/", views.JobStartView.as_view(), name="job_start"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("<int:pk>/retry/", views.JobRetryView.as_view(), name="job_retry"),
]
