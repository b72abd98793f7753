from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("<int:pk>/", views.ParticipantDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ParticipantUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", views.ParticipantDeleteView.as_view(), name="delete"),
    path("<int:pk>/erase/", views.ParticipantEraseView.as_view(), name="erase"),
    path(
        "<int:pk>/personal-data.json",
        views.ParticipantAccessRequestView.as_view(),
        name="access_request",
    ),
]
