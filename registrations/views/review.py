"""The staff review of a training's self-registrations: the list, and accepting
(one by one or the ticked ones) or rejecting.

Who may review: those who may enrol people
(``registrations.services.DESK_PERMISSIONS``, as the enrol page). The list runs
a fixed number of queries whatever the number of registrations. Every write is a
POST that comes back to the list with a message; the writes are in
``registrations.review``.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import DetailView
from django.views.generic.detail import SingleObjectMixin

from participants.forms import agency_datalist
from participants.functioning import WG_STATUS_LABELS
from participants.matching import MATCH_REASONS
from participants.models import Agency
from participants.normalisation import mask_nik
from trainings.models import Training

from ..checkin import day_number
from ..forms_review import LINK, RegistrationAcceptForm, RegistrationBulkForm
from ..models import Registration
from ..review import (
    RegistrationNeedsDecision,
    agency_needs_choice,
    match_reason_keys,
    registration_accept,
    registration_match_refresh,
    registration_reject,
    registrations_accept_bulk,
)
from ..services import DESK_PERMISSIONS

#: The status filter's values: a status, or "match" (waiting, with a probable
#: match), or "" (all).
MATCH_FILTER = "match"


class RegistrationReviewView(PermissionRequiredMixin, DetailView):
    """Every registration of the training, filtered by ``?status=``, with the
    counts per status and, per row, the decision to take."""

    permission_required = DESK_PERMISSIONS
    model = Training
    template_name = "registrations/review.html"

    def get_context_data(self, **kwargs):
        training = self.object
        registrations = Registration.objects.filter(training=training)
        counts = registrations.status_summary()
        status = self.request.GET.get("status", "")
        shown = registrations.for_review().prefetch_related("checkins")
        if status == MATCH_FILTER:
            shown = shown.waiting().filter(match__isnull=False)
        elif status in Registration.Status.values:
            shown = shown.filter(status=status)
        else:
            status = ""
        can_see_nik = self.request.user.has_perm("participants.export_personal_data")
        rows = [_row(registration, can_see_nik, training) for registration in shown]
        return super().get_context_data(
            rows=rows,
            counts=counts,
            status=status,
            filters=_filters(counts),
            agency_options=agency_datalist()
            if any(row["needs_agency"] for row in rows)
            else [],
            **kwargs,
        )


def _row(registration: Registration, can_see_nik: bool, training: Training) -> dict:
    """What the list shows for one registration (no query: its check-ins are
    prefetched)."""
    reasons = match_reason_keys(registration)
    waiting = registration.status == Registration.Status.NEW
    # A rejected registration may still be accepted.
    open_ = registration.status != Registration.Status.ACCEPTED
    needs_agency = open_ and agency_needs_choice(registration)
    form = None
    if open_:
        form = RegistrationAcceptForm(
            prefix=f"r{registration.pk}",
            initial={"agency_name": registration.agency_name},
            decide=_needs_decision(registration, reasons),
        )
    return {
        "registration": registration,
        "nik": registration.nik if can_see_nik else mask_nik(registration.nik),
        "wg_status": WG_STATUS_LABELS[registration.wg_disability],
        "match_reasons": [MATCH_REASONS[key] for key in reasons],
        "match_by_nik": "nik" in reasons,
        "needs_agency": needs_agency,
        "form": form,
        "waiting": waiting,
        # Check-ins not yet applied to attendance (applied when accepted).
        "checkins": _checkin_days(registration, training) if open_ else [],
    }


def _checkin_days(registration: Registration, training: Training) -> list[str]:
    """The days ``registration`` checked in, in order: "day 2" for a day of
    the training, else the date (the training's dates changed since)."""
    days = []
    for checkin in registration.checkins.all():  # prefetched, ordered by date
        number = day_number(training, checkin.date)
        if number is not None:
            days.append(_("day %(number)d") % {"number": number})
        else:
            days.append(date_format(checkin.date, "SHORT_DATE_FORMAT"))
    return days


def _needs_decision(registration: Registration, reasons) -> bool:
    """Whether staff must say "same person" or "new person": a probable match by
    phone or name (a NIK match is the same person, linked)."""
    return registration.match_id is not None and "nik" not in reasons


def _filters(counts: dict) -> list[dict]:
    """The status filter's links: value, label and count."""
    return [
        {"value": "", "label": _("All"), "count": counts["total"]},
        {
            "value": Registration.Status.NEW,
            "label": _("Waiting for review"),
            "count": counts[Registration.Status.NEW],
        },
        {
            "value": MATCH_FILTER,
            "label": _("Probable match"),
            "count": counts[MATCH_FILTER],
        },
        {
            "value": Registration.Status.ACCEPTED,
            "label": _("Accepted"),
            "count": counts[Registration.Status.ACCEPTED],
        },
        {
            "value": Registration.Status.REJECTED,
            "label": _("Rejected"),
            "count": counts[Registration.Status.REJECTED],
        },
    ]


class _ReviewPost(PermissionRequiredMixin, SingleObjectMixin, View):
    """A POST on the review list of training ``pk``; comes back to the list,
    keeping its status filter (``status`` in the POST)."""

    permission_required = DESK_PERMISSIONS
    model = Training
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission():
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def registration(self) -> Registration:
        return get_object_or_404(
            Registration.objects.select_related("match", "agency"),
            pk=self.kwargs["registration_pk"],
            training=self.object,
        )

    def back(self):
        url = reverse("registrations:review", args=[self.object.pk])
        status = self.request.POST.get("status", "")
        return redirect(f"{url}?{urlencode({'status': status})}" if status else url)


class RegistrationAcceptView(_ReviewPost):
    """Accept one registration: as the probable match (``decision=link``) or a new
    person, with the agency chosen or created when the typed one matched none."""

    def post(self, request, *args, **kwargs):
        registration = self.registration()
        if registration.status == Registration.Status.ACCEPTED:
            # A double click: the first click accepted it.
            messages.info(
                request, _("%(name)s is already accepted.") % _who(registration)
            )
            return self.back()
        form = RegistrationAcceptForm(
            request.POST,
            prefix=f"r{registration.pk}",
            region=self.object.region,
            decide=_needs_decision(registration, match_reason_keys(registration)),
        )
        if not form.is_valid():
            errors = [m for messages_ in form.errors.values() for m in messages_]
            messages.error(request, _name(registration, " ".join(errors)))
            return self.back()
        link = form.cleaned_data["decision"] == LINK
        if link and registration.match is None:
            messages.error(
                request, _name(registration, _("There is no match to link."))
            )
            return self.back()
        try:
            registration_accept(
                registration=registration,
                user=request.user,
                participant=registration.match if link else None,
                agency=form.agency,
                new_agency_name=form.new_agency_name,
                new_agency_type=form.cleaned_data.get("agency_type")
                or Agency.Type.OTHER,
            )
        except RegistrationNeedsDecision as error:
            if error.code == "match":
                registration_match_refresh(registration=registration)
            messages.warning(request, _name(registration, " ".join(error.messages)))
        except ValidationError as error:
            messages.error(request, _name(registration, " ".join(error.messages)))
        else:
            messages.success(
                request, _("%(name)s is accepted and enrolled.") % _who(registration)
            )
        return self.back()


class RegistrationRejectView(_ReviewPost):
    def post(self, request, *args, **kwargs):
        registration = self.registration()
        try:
            registration_reject(registration=registration, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s is rejected.") % _who(registration))
        return self.back()


class RegistrationBulkAcceptView(_ReviewPost):
    """Accept the ticked registrations (``registrations_accept_bulk``): those
    matching a registry person by NIK are linked, those with another probable
    match or an agency to choose are left for a decision."""

    def post(self, request, *args, **kwargs):
        registrations = Registration.objects.filter(training=self.object)
        form = RegistrationBulkForm(
            request.POST, ids=registrations.values_list("pk", flat=True)
        )
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["selected"]))
            return self.back()
        chosen = registrations.filter(pk__in=form.cleaned_data["selected"])
        result = registrations_accept_bulk(
            registrations=chosen.select_related("match", "agency"), user=request.user
        )
        counts = result.counts
        if counts["accepted"]:
            messages.success(
                request,
                ngettext(
                    "%(count)d registration accepted.",
                    "%(count)d registrations accepted.",
                    counts["accepted"],
                )
                % {"count": counts["accepted"]},
            )
        if counts["needs_decision"]:
            messages.warning(
                request,
                ngettext(
                    "%(count)d registration needs a decision (a probable match "
                    "or an agency to choose): %(names)s.",
                    "%(count)d registrations need a decision (a probable match "
                    "or an agency to choose): %(names)s.",
                    counts["needs_decision"],
                )
                % {
                    "count": counts["needs_decision"],
                    "names": ", ".join(r.full_name for r in result.needs_decision),
                },
            )
        for registration, errors in result.failed:
            messages.error(request, _name(registration, " ".join(errors)))
        if counts["already"]:
            messages.info(
                request,
                ngettext(
                    "%(count)d registration was already decided.",
                    "%(count)d registrations were already decided.",
                    counts["already"],
                )
                % {"count": counts["already"]},
            )
        return self.back()


def _who(registration: Registration) -> dict:
    return {"name": registration.full_name}


def _name(registration: Registration, message: str) -> str:
    """``message`` about ``registration``, prefixed with the person's name."""
    return _("%(name)s: %(message)s") % {
        "name": registration.full_name,
        "message": message,
    }
