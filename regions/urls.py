from django.urls import path

from . import views

app_name = "regions"

urlpatterns = [
    path("", views.RegionLookupView.as_view(), name="lookup"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
]
