from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.JobListView.as_view(), name="list"),
    path("<uuid:pk>/", views.JobDetailView.as_view(), name="detail"),
    path("<uuid:pk>/status.json", views.JobStatusView.as_view(), name="status"),
    path("<uuid:pk>/download", views.JobDownloadView.as_view(), name="download"),
]
