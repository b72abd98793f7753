from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("<int:pk>/", views.ParticipantDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ParticipantUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", views.ParticipantDeleteView.as_view(), name="delete"),
]
