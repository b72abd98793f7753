from django.urls import path

from . import views

app_name = "trainings"

urlpatterns = [
    path("", views.TrainingListView.as_view(), name="list"),
    path("<int:pk>/", views.TrainingDetailView.as_view(), name="detail"),
]
