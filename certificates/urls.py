"""Certificate URLs: the public verification page at ``c/<code>/`` (no login;
the code is the certificate's unguessable one, never its id), and the staff pages
under ``certificates/`` and ``trainings/<pk>/certificates/``."""

from django.urls import path, register_converter

from . import views


class VerificationCodeConverter:
    """A verification code in a public URL: 16 to 64 letters, digits, ``-`` or
    ``_`` (the codes made are URL-safe base64). Anything else matches no URL, so
    it is a plain 404 before the database is asked."""

    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VerificationCodeConverter, "verification_code")

app_name = "certificates"

urlpatterns = [
    path("c/<verification_code:code>/", views.verify, name="verify"),
    path("certificates/", views.CertificateListView.as_view(), name="list"),
    path(
        "certificates/<int:pk>/certificate.pdf",
        views.CertificatePdfView.as_view(),
        name="pdf",
    ),
    path(
        "certificates/<int:pk>/revoke/",
        views.CertificateRevokeView.as_view(),
        name="revoke",
    ),
    path(
        "certificates/issue/<int:pk>/",
        views.CertificateIssueView.as_view(),
        name="issue",
    ),
    path(
        "trainings/<int:pk>/certificates/",
        views.CertificateIssueAllView.as_view(),
        name="issue_all",
    ),
]
