from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("", RedirectView.as_view(pattern_name="trainings:list"), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("accounts.urls")),
    # Open without logging in: the login page has the language switch too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("trainings/deleted/", include("setara.restore")),
    path("trainings/", include("trainings.urls")),
    path("participants/", include("setara.privacy")),
    path("participants/", include("setara.merge_pages")),
    path("participants/", include("participants.urls")),
    path("referrals/", include("referrals.urls")),
    path("regions/", include("regions.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("registrations.urls")),
    path("", include("certificates.urls")),
    # The Admin role only (setara/admin_site.py).
    path("admin/", admin.site.urls),
]

if settings.BENCH_FLOOR_PAGE:  # bench/load.py's floor page (setara/floor.py)
    urlpatterns.append(path("bench/floor/", include("setara.floor")))
