"""Self-registration URLs: the public pages under ``r/<token>/`` (no login; the
token is the registration desk's, never the training's id) and the staff pages
under ``trainings/<pk>/registrations/``."""

from django.urls import path, register_converter

from .views import checkin, desk, public, review


class DeskTokenConverter:
    """A desk token in a public URL: 1 to 64 letters, digits, ``-`` or ``_``
    (the tokens made are URL-safe base64). Anything else (a NUL byte, a dot, a
    slash) matches no URL, so it is a plain 404 before the database is asked."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DeskTokenConverter, "desk_token")

app_name = "registrations"

urlpatterns = [
    # Public registration, desk open/close, poster, QR (views/public.py, views/desk.py)
    path("r/<desk_token:token>/", public.register, name="register"),
    path("r/<desk_token:token>/thanks/", public.thanks, name="thanks"),
    path(
        "trainings/<int:pk>/registrations/desk/",
        desk.DeskToggleView.as_view(),
        name="desk_toggle",
    ),
    path(
        "trainings/<int:pk>/registrations/desk/settings/",
        desk.DeskSettingsView.as_view(),
        name="desk_settings",
    ),
    path(
        "trainings/<int:pk>/registrations/poster/",
        desk.PosterView.as_view(),
        name="poster",
    ),
    # Staff review (views/review.py)
    path(
        "trainings/<int:pk>/registrations/",
        review.RegistrationReviewView.as_view(),
        name="review",
    ),
    path(
        "trainings/<int:pk>/registrations/accept/",
        review.RegistrationBulkAcceptView.as_view(),
        name="accept_bulk",
    ),
    path(
        "trainings/<int:pk>/registrations/<int:registration_pk>/accept/",
        review.RegistrationAcceptView.as_view(),
        name="accept",
    ),
    path(
        "trainings/<int:pk>/registrations/<int:registration_pk>/reject/",
        review.RegistrationRejectView.as_view(),
        name="reject",
    ),
    # Check-in (views/checkin.py)
    path("r/<desk_token:token>/check-in/", checkin.checkin, name="checkin"),
    path(
        "trainings/<int:pk>/registrations/check-in-screen/",
        checkin.CheckInScreenView.as_view(),
        name="checkin_screen",
    ),
    path(
        "trainings/<int:pk>/registrations/check-in-code/",
        checkin.CheckInCodeView.as_view(),
        name="checkin_code",
    ),
    path(
        "trainings/<int:pk>/registrations/attendance-live/",
        checkin.AttendanceLiveView.as_view(),
        name="attendance_live",
    ),
]
