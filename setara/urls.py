from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="trainings:list"), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Open without logging in: the login page has the language switch too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("trainings/", include("trainings.urls")),
    path("participants/", include("participants.urls")),
    path("referrals/", include("referrals.urls")),
    path("admin/", admin.site.urls),
]
