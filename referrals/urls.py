from django.urls import path, re_path

from . import views

app_name = "referrals"

# A Kemendagri region code of any level, 73 to 73.09.11.2001 (see regions.models):
# the view shows a regency's or city's pathway and redirects from the levels below.
REGION_CODE = r"(?P<code>[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?)"

urlpatterns = [
    path("", views.ReferralInstitutionDirectoryView.as_view(), name="directory"),
    path(
        "<int:pk>/history/",
        views.ReferralInstitutionHistoryView.as_view(),
        name="history",
    ),
    re_path(
        rf"^pathway/{REGION_CODE}/$",
        views.ReferralPathwayView.as_view(),
        name="pathway",
    ),
    re_path(
        rf"^pathway/{REGION_CODE}/xlsx/$",
        views.ReferralPathwayXlsxView.as_view(),
        name="pathway_xlsx",
    ),
]
