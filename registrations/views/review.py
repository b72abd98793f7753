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
from django.db.models import Q
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
from participants.models import Agency, Participant
from participants.nik_access import may_see_nik
from participants.normalisation import mask_nik
from trainings.models import Training

from ..checkin import day_number
from ..forms_review import LINK, RegistrationAcceptForm, RegistrationBulkForm
from ..models import Registration
from ..review import (
    RegistrationNeedsDecision,
    ShownMatch,
    agency_needs_choice,
    registration_accept,
    registration_match_refresh,
    registration_reject,
    registrations_accept_bulk,
    review_matches,
)
from ..services import DESK_PERMISSIONS

#: The status filter's values: a status, or "match" (waiting, with a probable
#: match), or "" (all).
MATCH_FILTER = "match"


class RegistrationReviewView(PermissionRequiredMixin, DetailView):
    """Every registration of the training, filtered by ``?status=``, with the
    counts per status and, per row, the decision to take.

    A user who may not see full NIKs is shown each registration's match found
    without the NIK (``review_matches``), for all of them in one go, and the
    "probable match" count and filter follow those matches; a NIK already taken
    is only said to be taken, naming no one (``participants.nik_access``)."""

    permission_required = DESK_PERMISSIONS
    model = Training
    template_name = "registrations/review.html"

    def get_context_data(self, **kwargs):
        training = self.object
        registrations = Registration.objects.filter(training=training)
        counts = registrations.status_summary()
        status = self.request.GET.get("status", "")
        shown = registrations.for_review().prefetch_related("checkins")
        can_see_nik = may_see_nik(self.request.user)
        matches, taken = {}, set()
        if not can_see_nik:
            matches, taken = _matches_without_nik(registrations, counts)
        if status == MATCH_FILTER:
            with_match = (
                Q(match__isnull=False) if can_see_nik else Q(pk__in=list(matches))
            )
            shown = shown.waiting().filter(with_match)
        elif status in Registration.Status.values:
            shown = shown.filter(status=status)
        else:
            status = ""
        shown = list(shown)
        if can_see_nik:
            matches = review_matches(shown, nik_visible=True)
        rows = [
            _row(
                registration,
                can_see_nik,
                training,
                matches.get(registration.pk),
                nik_taken=registration.nik in taken,
            )
            for registration in shown
        ]
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


def _matches_without_nik(registrations, counts: dict) -> tuple[dict, set]:
    """For a user who may not see full NIKs: ``{pk: ShownMatch}`` of the
    registrations not accepted (``registrations``, a queryset) found without
    their NIK, and the set of their NIKs already in the registry; sets
    ``counts["match"]`` to the waiting ones with such a match. Three queries at
    most, whatever the number of registrations."""
    open_ = list(
        registrations.exclude(status=Registration.Status.ACCEPTED).only(
            "pk", "status", "full_name", "phone", "nik", "agency_id"
        )
    )
    matches = review_matches(open_, nik_visible=False)
    counts[MATCH_FILTER] = sum(
        1 for r in open_ if r.status == Registration.Status.NEW and r.pk in matches
    )
    niks = {r.nik for r in open_ if r.nik}
    taken = set(
        Participant.objects.filter(nik__in=niks).values_list("nik", flat=True)
        if niks
        else []
    )
    return matches, taken


def _row(
    registration: Registration,
    can_see_nik: bool,
    training: Training,
    match: ShownMatch | None,
    *,
    nik_taken: bool = False,
) -> dict:
    """What the list shows for one registration, with ``match`` the probable
    match shown (``review_matches``) and ``nik_taken`` whether to say that its
    NIK is already taken (no query: its check-ins are prefetched)."""
    reasons = match.reasons if match else []
    waiting = registration.status == Registration.Status.NEW
    # A rejected registration may still be accepted.
    open_ = registration.status != Registration.Status.ACCEPTED
    needs_agency = open_ and agency_needs_choice(registration)
    form = None
    if open_:
        form = RegistrationAcceptForm(
            prefix=f"r{registration.pk}",
            initial={"agency_name": registration.agency_name},
            decide=_needs_decision(match),
        )
    return {
        "registration": registration,
        "match": match,
        # Only to who may not see NIKs (others are shown the match by NIK).
        "nik_taken": nik_taken and open_,
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


def _needs_decision(match: ShownMatch | None) -> bool:
    """Whether staff must say "same person" or "new person": a probable match by
    phone or name (a NIK match is the same person, linked)."""
    return match is not None and "nik" not in match.reasons


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
        # The match shown to this user (without the NIK for staff).
        match = review_matches(
            [registration], nik_visible=may_see_nik(request.user)
        ).get(registration.pk)
        form = RegistrationAcceptForm(
            request.POST,
            prefix=f"r{registration.pk}",
            region=self.object.region,
            decide=_needs_decision(match),
        )
        if not form.is_valid():
            errors = [m for messages_ in form.errors.values() for m in messages_]
            messages.error(request, _name(registration, " ".join(errors)))
            return self.back()
        link = form.cleaned_data["decision"] == LINK
        if link and match is None:
            messages.error(
                request, _name(registration, _("There is no match to link."))
            )
            return self.back()
        try:
            registration_accept(
                registration=registration,
                user=request.user,
                participant=match.participant if link else None,
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
