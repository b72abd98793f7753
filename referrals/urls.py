from django.urls import path, re_path

from . import views

app_name = "referrals"

# Kemendagri regency/city code, e.g. 73.09 (see regions.models).
REGENCY_CODE = r"(?P<code>[0-9]{2}\.[0-9]{2})"

urlpatterns = [
    path("", views.ReferralInstitutionDirectoryView.as_view(), name="directory"),
    path(
        "<int:pk>/history/",
        views.ReferralInstitutionHistoryView.as_view(),
        name="history",
    ),
    re_path(
        rf"^pathway/{REGENCY_CODE}/$",
        views.ReferralPathwayView.as_view(),
        name="pathway",
    ),
    re_path(
        rf"^pathway/{REGENCY_CODE}/xlsx/$",
        views.ReferralPathwayXlsxView.as_view(),
        name="pathway_xlsx",
    ),
]
