"""The pages that record a training: its details, enrolments, attendance grid and
sign-in sheet (HTML and PDF)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import (
    CreateView,
    DeleteView,
    DetailView,
    TemplateView,
    UpdateView,
)
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from participants.forms import agency_datalist
from participants.models import Agency, Participant
from participants.nik_access import may_see_nik
from participants.services import registry_lock
from setara.data_version import DataVersionMixin
from setara.pagination import ForgivingPaginationMixin, page_number
from setara.submission import create_once, submitted_record

from ..filters import TrainingFilterSet
from ..forms import (
    EnrolmentForm,
    ParticipantEnrolForm,
    TrainingForm,
)
from ..history import TRAINING_HISTORY_PERMISSIONS, training_history
from ..models import Enrolment, Training
from ..services import (
    enrolment_create,
    participant_create_and_enrol,
    training_delete,
)
from ..training_page import (
    PARTICIPANTS_PER_PAGE,
    TrainingNumbers,
    enrolment_count,
    participant_page,
)


class TrainingListView(
    PermissionRequiredMixin, DataVersionMixin, ForgivingPaginationMixin, FilterView
):
    permission_required = "trainings.view_training"
    filterset_class = TrainingFilterSet
    queryset = Training.objects.for_list()
    paginate_by = 20


class TrainingDetailView(PermissionRequiredMixin, DataVersionMixin, DetailView):
    """A training's numbers (counting everyone; cached fragments, counted only
    when the cache misses: ``trainings.training_page``) and its participant
    list, ``PARTICIPANTS_PER_PAGE`` at a time (``?page=``). A fixed number of
    queries whatever the training's size."""

    permission_required = "trainings.view_training"
    queryset = Training.objects.select_related("region").prefetch_related("topics")

    def get_context_data(self, **kwargs):
        training = self.object
        numbers = TrainingNumbers(training)
        page = participant_page(training, self.request.GET.get("page"))
        return super().get_context_data(
            numbers=numbers,
            page_obj=page,
            enrolments=page.object_list,
            day_numbers=range(1, len(training.days) + 1),
            may_see_history=self.request.user.has_perms(TRAINING_HISTORY_PERMISSIONS),
            summary=numbers.lazy("summary"),
            by_agency_type=numbers.lazy("by_agency_type"),
            attendance_days=numbers.lazy("attendance_days"),
            **kwargs,
        )


class TrainingHistoryView(PermissionRequiredMixin, DetailView):
    """A training's change history (``trainings.history.training_history``: the
    training, its enrolments and attendance, who changed what), on a page of its
    own so the training page does not read it on every view. Needs the history
    permissions (``TRAINING_HISTORY_PERMISSIONS``); a fixed number of queries
    whatever the number of changes."""

    permission_required = TRAINING_HISTORY_PERMISSIONS
    model = Training
    template_name = "trainings/training_history.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(history=training_history(self.object), **kwargs)


class TrainingFormMixin:
    """Save through ``trainings.services.training_save``; its ValidationError (new
    dates that would strand recorded attendance) is shown on the form."""

    form_class = TrainingForm

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)


class TrainingCreateView(
    PermissionRequiredMixin, SuccessMessageMixin, TrainingFormMixin, CreateView
):
    """A new training, saved once per form shown: the form sent again (Back then
    Save, a double click) goes to the training it created (``setara.submission``)."""

    permission_required = "trainings.add_training"
    model = Training
    success_message = _("Training “%(title)s” created. Now enrol its participants.")

    def post(self, request, *args, **kwargs):
        self.object = None
        form = self.get_form()
        valid = form.is_valid()
        # Read last, just before writing: a copy saved meanwhile is found here.
        saved = submitted_record(Training, form.submitted_token())
        if saved is not None:
            return self.already_saved(saved)
        return self.form_valid(form) if valid else self.form_invalid(form)

    def form_valid(self, form):
        try:
            self.object, created = create_once(
                model=Training, token=form.submitted_token(), create=form.save
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if not created:
            return self.already_saved(self.object)
        messages.success(self.request, self.get_success_message(form.cleaned_data))
        return redirect(self.get_success_url())

    def already_saved(self, training):
        messages.info(self.request, _("This training was already saved."))
        return redirect(training)

    def get_success_url(self):
        return reverse("trainings:enrol", args=[self.object.pk])


class TrainingUpdateView(
    PermissionRequiredMixin, SuccessMessageMixin, TrainingFormMixin, UpdateView
):
    permission_required = "trainings.change_training"
    model = Training
    success_message = _("Training “%(title)s” saved.")


def protected_message(error: ProtectedError) -> str:
    """Why a record cannot be deleted: the kinds of records that must stay and
    refer to it (issued certificates, whose verification pages stay)."""
    kinds = sorted(
        {str(obj._meta.verbose_name_plural) for obj in error.protected_objects}
    )
    return _("This cannot be deleted while %(records)s refer to it.") % {
        "records": ", ".join(kinds)
    }


class TrainingDeleteView(PermissionRequiredMixin, SuccessMessageMixin, DeleteView):
    permission_required = "trainings.delete_training"
    queryset = Training.objects.with_record_counts()
    success_url = reverse_lazy("trainings:list")

    def form_valid(self, form):
        # Through the service, so that an admin can restore the training with
        # the enrolments and attendance deleted with it.
        try:
            training_delete(training=self.object, user=self.request.user)
        except ProtectedError as error:  # certificates issued: they stay
            messages.error(self.request, protected_message(error))
            return redirect(self.object)
        messages.success(self.request, self.get_success_message(form.cleaned_data))
        return redirect(self.get_success_url())

    def get_success_message(self, cleaned_data):
        return _("Training “%(title)s” deleted.") % {"title": self.object.title}


class TrainingEnrolView(PermissionRequiredMixin, SingleObjectMixin, TemplateView):
    """Search the registry and enrol in one click, or add a new person after seeing
    who they might already be."""

    permission_required = ("trainings.add_enrolment", "participants.add_participant")
    model = Training
    template_name = "trainings/training_enrol.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()
        kwargs.setdefault("new_form", ParticipantEnrolForm(region=self.object.region))
        results = _search_results(query, self.request.user)
        if results is not None:
            results = list(results)
        page = _roster_page(self.object, self.request.GET.get("page"))
        # Who among the people shown (search results, probable matches) is
        # enrolled: one query on their ids, whatever the training's size.
        shown = [person.pk for person in results or ()] + [
            match.participant.pk for match in kwargs.get("matches") or ()
        ]
        return super().get_context_data(
            query=query,
            results=results,
            search_by_nik=may_see_nik(self.request.user),
            enrolled_ids=set(
                self.object.enrolments.filter(participant__in=shown).values_list(
                    "participant", flat=True
                )
            )
            if shown
            else set(),
            page_obj=page,
            enrolments=page.object_list,
            agency_options=agency_datalist(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "full_name" in request.POST:
            return self.post_new_person()
        form = EnrolmentForm(request.POST)
        if form.is_valid():
            participant = form.cleaned_data["participant"]
            try:
                enrolment_create(
                    training=self.object,
                    participant=participant,
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                if self.object.enrolments.filter(participant=participant).exists():
                    # A double click: the first click enrolled them.
                    messages.info(request, _already_enrolled_message(participant))
                else:
                    messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _enrolled_message(participant))
        else:
            messages.error(request, _("Choose a person to enrol."))
        return redirect(self._here(request.POST.get("q", "")))

    def post_new_person(self):
        """Add and enrol a new person, once per form shown (``setara.submission``):
        the form sent again (Back then Save, a double click) says the person was
        already saved instead of adding a copy."""
        # One door at a time decides who is already in the registry: two tabs
        # adding the same person at once, the second is shown the first's.
        registry_lock()
        form = ParticipantEnrolForm(self.request.POST, region=self.object.region)
        # Staff are matched without the NIK typed (participants.nik_access): the
        # form's NIK error says only that the NIK is taken.
        matches = form.probable_matches(nik_visible=may_see_nik(self.request.user))
        token = form.submitted_token()
        # Read last, just before writing: a copy saved meanwhile is found here.
        saved = submitted_record(Participant, token)
        if saved is not None:
            return self._already_saved(saved)
        confirmed = self.request.POST.get("confirm_new") == "1"
        if form.is_valid() and (confirmed or not matches):
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}

            def create():
                return participant_create_and_enrol(
                    training=self.object,
                    participant_fields={**fields, "submission_token": token},
                    agency=form.agency,
                    new_agency_name=form.new_agency_name,
                    new_agency_type=form.cleaned_data["agency_type"]
                    or Agency.Type.OTHER,
                    role=form.cleaned_data["role"],
                ).participant

            try:
                participant, created = create_once(
                    model=Participant, token=token, create=create
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if not created:
                    return self._already_saved(participant)
                messages.success(self.request, _enrolled_message(participant))
                return redirect(self._here())
        return self.render_to_response(
            self.get_context_data(new_form=form, matches=matches)
        )

    def _already_saved(self, participant):
        messages.info(
            self.request,
            _("%(name)s was already saved.") % {"name": participant.full_name},
        )
        return redirect(self._here())

    def _here(self, query=""):
        url = reverse("trainings:enrol", args=[self.object.pk])
        return f"{url}?{urlencode({'q': query})}" if query else url


def _roster_page(training, number):
    """Page ``number`` of ``training``'s enrolments by name for the enrol page's
    roster (``PARTICIPANTS_PER_PAGE`` a page, as on the training page; past the
    end is the last page), with participant and agency loaded: one query, plus
    the count when not cached (``enrolment_count``)."""
    paginator = Paginator(training.enrolments.by_name(), PARTICIPANTS_PER_PAGE)
    paginator.count = enrolment_count(training)
    return paginator.page(page_number(number, paginator))


def _search_results(query: str, user):
    """The first 25 registry people matching ``query`` (None without a query):
    by name, phone or agency, and by NIK only for a user who may see full NIKs
    (``participants.nik_access``); for others NIK digits are ignored."""
    if not query:
        return None
    people = Participant.objects.search(query, by_nik=may_see_nik(user))
    return people.select_related("agency")[:25]


def _enrolled_message(participant):
    return _("%(name)s is enrolled.") % {"name": participant.full_name}


def _already_enrolled_message(participant):
    return _("%(name)s is already enrolled.") % {"name": participant.full_name}


class EnrolmentDeleteView(PermissionRequiredMixin, SuccessMessageMixin, DeleteView):
    """Remove a person from a training, with their attendance; the person stays in
    the registry."""

    permission_required = "trainings.delete_enrolment"
    queryset = Enrolment.objects.with_attendance_count()

    def get_success_url(self):
        return reverse("trainings:enrol", args=[self.object.training_id])

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError as error:  # a certificate issued: it stays
            messages.error(self.request, protected_message(error))
            return redirect(self.get_success_url())

    def get_success_message(self, cleaned_data):
        return _("%(name)s was removed from the training.") % {
            "name": self.object.participant.full_name
        }
