"""The pages for merging two records of one person: the probable duplicates, the
side-by-side merge screen, and the merges made, which an admin can undo.

Coordinators and admins merge (``participants.merge_participant``); only admins
undo (``participants.undo_participantmerge``). The services are in
``setara.merging``; the list of pairs in ``participants.duplicates``.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView, TemplateView

from participants.duplicates import duplicate_pairs, pair_page
from participants.models import Participant, ParticipantMerge
from trainings.models import Enrolment

from .merging import (
    GONE,
    MERGE_FIELDS,
    chosen_values,
    default_choices,
    participant_merge,
    participant_merge_undo,
)
from .pagination import ForgivingPaginationMixin

SIDES = [("first", _("first")), ("second", _("second"))]


class DuplicateListView(PermissionRequiredMixin, TemplateView):
    """Pairs of records that are probably one person, strongest reason first,
    paginated, each with a link to the merge screen; ``?participant=<id>`` keeps
    the pairs of one person. A fixed number of queries whatever the registry's
    size."""

    permission_required = "participants.merge_participant"
    template_name = "participants/duplicate_list.html"

    def get_context_data(self, **kwargs):
        pairs = duplicate_pairs()
        person = self.request.GET.get("participant", "")
        if re.fullmatch(r"[0-9]{1,9}", person):  # not isdigit(): "²" is a digit
            pairs = [p for p in pairs if int(person) in (p.first_id, p.second_id)]
        page = pair_page(pairs, self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page, pairs=page.object_list, person=person, **kwargs
        )


class MergeForm(forms.Form):
    """Which record is kept (its number stays) and, per field, whose value."""

    keep = forms.ChoiceField(choices=SIDES, widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MERGE_FIELDS:
            self.fields[name] = forms.ChoiceField(
                choices=SIDES, widget=forms.RadioSelect
            )


def _display(person: Participant, name: str, can_see_nik: bool) -> str:
    if name == "nik":
        value = person.nik if can_see_nik else person.nik_masked
    elif name == "agency":
        value = str(person.agency or "")
    elif name == "village_region":
        value = person.village_region.label if person.village_region else ""
    else:
        field = Participant._meta.get_field(name)
        value = getattr(person, name)
        if field.choices:
            value = str(dict(field.flatchoices).get(value, value))
        elif name == "birth_date" and value is None and person.birth_year:
            value = str(person.birth_year)
    return "" if value is None else str(value)


class ParticipantMergeView(PermissionRequiredMixin, TemplateView):
    """GET: two records side by side with a choice per field; POST: merge them.

    A pair that no longer exists (merged a moment ago, by this user or another)
    sends the user back to the duplicates list with a message."""

    permission_required = "participants.merge_participant"
    template_name = "participants/participant_merge.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["first"] == kwargs["second"]:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _people(self):
        ids = [self.kwargs["first"], self.kwargs["second"]]
        found = (
            Participant.objects.select_related(
                "agency", "village_region__parent__parent__parent"
            )
            .annotate(enrolment_count=Count("enrolments"))
            .in_bulk(ids)
        )
        if len(found) != 2:
            return None
        return {"first": found[ids[0]], "second": found[ids[1]]}

    def _gone(self):
        messages.error(self.request, GONE)
        return redirect("merging:duplicates")

    def get(self, request, *args, **kwargs):
        people = self._people()
        if people is None:
            return self._gone()
        initial = default_choices(people["first"], people["second"])
        more = people["second"].enrolment_count > people["first"].enrolment_count
        keep = "second" if more else "first"
        form = MergeForm(initial={**initial, "keep": keep})
        return self.render_to_response(self.get_context_data(people, form))

    def post(self, request, *args, **kwargs):
        people = self._people()
        if people is None:
            return self._gone()
        form = MergeForm(request.POST)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            other = "second" if keep == "first" else "first"
            try:
                merge = participant_merge(
                    survivor=people[keep],
                    duplicate=people[other],
                    values=chosen_values(people, form.cleaned_data),
                    user=request.user,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            except IntegrityError:  # the pair was merged a moment ago
                return self._gone()
            else:
                messages.success(
                    request,
                    _("%(duplicate)s (#%(id)s) was merged into this record.")
                    % {"duplicate": people[other].full_name, "id": merge.duplicate_id},
                )
                return redirect(merge.survivor)
        return self.render_to_response(self.get_context_data(people, form))

    def get_context_data(self, people, form):
        can_see_nik = self.request.user.has_perm("participants.export_personal_data")
        values = form.data if form.is_bound else form.initial
        rows = [
            {
                "name": name,
                "label": Participant._meta.get_field(name).verbose_name,
                "first": _display(people["first"], name, can_see_nik),
                "second": _display(people["second"], name, can_see_nik),
                "choice": values.get(name),
            }
            for name in MERGE_FIELDS
        ]
        enrolments = (
            Enrolment.objects.filter(participant__in=people.values())
            .select_related("training")
            .annotate(
                days_present=Count("attendances", filter=Q(attendances__present=True))
            )
            .order_by("-training__start_date", "pk")
        )
        trainings = {side: [] for side in people}
        sides = {person.pk: side for side, person in people.items()}
        for enrolment in enrolments:
            trainings[sides[enrolment.participant_id]].append(enrolment)
        return super().get_context_data(
            people=people,
            first=people["first"],
            second=people["second"],
            form=form,
            rows=rows,
            keep=values.get("keep"),
            trainings=trainings,
        )


class MergeListView(PermissionRequiredMixin, ForgivingPaginationMixin, ListView):
    """The merges made, newest first, with an Undo button for admins."""

    permission_required = "participants.view_participantmerge"
    template_name = "participants/participantmerge_list.html"
    paginate_by = 50
    queryset = ParticipantMerge.objects.select_related("survivor", "user", "undone_by")


class MergeUndoView(PermissionRequiredMixin, View):
    """POST: undo one merge (admins)."""

    permission_required = "participants.undo_participantmerge"
    http_method_names = ["post"]

    def post(self, request, pk):
        merge = get_object_or_404(ParticipantMerge, pk=pk)
        try:
            restored = participant_merge_undo(merge=merge, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("merging:merges")
        except IntegrityError:  # undone by someone else a moment ago
            messages.error(request, _("This merge was undone already."))
            return redirect("merging:merges")
        messages.success(
            request,
            _("The merge was undone: %(name)s (#%(id)s) is back.")
            % {"name": restored.full_name, "id": restored.pk},
        )
        return redirect(restored)


app_name = "merging"

urlpatterns = [
    path("duplicates/", DuplicateListView.as_view(), name="duplicates"),
    path(
        "merge/<int:first>/<int:second>/",
        ParticipantMergeView.as_view(),
        name="merge",
    ),
    path("merges/", MergeListView.as_view(), name="merges"),
    path("merges/<int:pk>/undo/", MergeUndoView.as_view(), name="undo"),
]
