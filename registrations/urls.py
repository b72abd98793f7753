"""Self-registration URLs: the public pages under ``r/<token>/`` (no login; the
token is the registration desk's, never the training's id) and the staff pages
under ``trainings/<pk>/registrations/``."""

from django.urls import path

app_name = "registrations"

urlpatterns = [
    # Public registration, desk open/close, poster, QR (views/public.py, views/desk.py)
    # Staff review (views/review.py)
    # Check-in (views/checkin.py)
]
