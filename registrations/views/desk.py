"""Staff pages of a training's registration desk: open or close it, its
settings, and the printable A4 poster with the QR code. Only users who may enrol
people (``DESK_PERMISSIONS``); writes are POSTs, idempotent, in the request's
transaction."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from setara.qr import qr_svg
from trainings.models import Training

from ..checkin import desk_of
from ..forms import DeskSettingsForm
from ..models import RegistrationDesk
from ..services import (
    DESK_PERMISSIONS,
    desk_accepting,
    desk_auto_accept_set,
    desk_close,
    desk_open,
)


def desk_panel_url(training) -> str:
    """The training page at its registration panel."""
    return reverse("trainings:detail", args=[training.pk]) + "#registration-desk"


def public_link(request, desk: RegistrationDesk) -> str:
    """The absolute URL of the desk's public form (what the QR code holds)."""
    return request.build_absolute_uri(
        reverse("registrations:register", kwargs={"token": desk.token})
    )


class DeskToggleView(PermissionRequiredMixin, View):
    """POST ``action``: "open" (the same link as before), "new_link" (open with a
    new link; the old one and its posters stop) or "close". Pressing twice
    changes nothing more."""

    permission_required = DESK_PERMISSIONS
    http_method_names = ["post"]

    def post(self, request, pk):
        training = get_object_or_404(Training.objects.select_related("region"), pk=pk)
        action = request.POST.get("action")
        if action in ("open", "new_link"):
            try:
                desk_open(
                    training=training,
                    user=request.user,
                    new_link=action == "new_link",
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Registration is open."))
        elif action == "close":
            desk_close(training=training, user=request.user)
            messages.success(request, _("Registration is closed; the link stopped."))
        else:
            messages.error(request, _("Choose open or close."))
        return redirect(desk_panel_url(training))


class DeskSettingsView(PermissionRequiredMixin, View):
    """POST ``auto_accept``: whether registrations are accepted without review."""

    permission_required = DESK_PERMISSIONS
    http_method_names = ["post"]

    def post(self, request, pk):
        training = get_object_or_404(Training, pk=pk)
        form = DeskSettingsForm(request.POST)
        if form.is_valid():
            desk_auto_accept_set(
                training=training,
                user=request.user,
                auto_accept=form.cleaned_data["auto_accept"],
            )
            messages.success(request, _("Registration setting saved."))
        else:
            messages.error(request, _("Choose one of the options."))
        return redirect(desk_panel_url(training))


class PosterView(PermissionRequiredMixin, DetailView):
    """The A4 poster of an open desk: title, dates, place, a big QR code, the link,
    the daily check-in address (``checkin_link``) and how to register, in
    Indonesian. 404 unless the desk accepts registrations (a poster of a closed
    link would mislead)."""

    permission_required = DESK_PERMISSIONS
    queryset = Training.objects.select_related("region", "registration_desk")
    template_name = "registrations/poster.html"

    def get_context_data(self, **kwargs):
        desk = desk_of(self.object)
        if not desk_accepting(desk):
            raise Http404
        link = public_link(self.request, desk)
        checkin_link = self.request.build_absolute_uri(
            reverse("registrations:checkin", args=[desk.token])
        )
        return super().get_context_data(
            desk=desk,
            link=link,
            checkin_link=checkin_link,
            qr=qr_svg(link, title=link),
            **kwargs,
        )
