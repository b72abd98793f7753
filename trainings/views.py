from django.contrib.auth.mixins import PermissionRequiredMixin
from django.views.generic import DetailView
from django_filters.views import FilterView

from participants.models import Agency

from .filters import TrainingFilterSet
from .models import Attendance, Training


class TrainingListView(PermissionRequiredMixin, FilterView):
    permission_required = "trainings.view_training"
    filterset_class = TrainingFilterSet
    queryset = Training.objects.for_list()
    paginate_by = 20


class TrainingDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "trainings.view_training"
    queryset = Training.objects.select_related("region").prefetch_related("topics")

    def get_context_data(self, **kwargs):
        training = self.object
        participants = training.enrolments.participants()
        type_labels = dict(Agency.Type.choices)
        by_agency_type = [
            {**row, "label": type_labels.get(row["agency_type"], "—")}
            for row in participants.agency_type_summary()
        ]
        per_day = {
            row["date"]: row
            for row in Attendance.objects.filter(
                enrolment__in=participants
            ).per_day_summary()
        }
        empty_day = {"total": 0, "male": 0, "female": 0, "not_recorded": 0}
        attendance_days = [
            {"number": number, "date": date, **per_day.get(date, empty_day)}
            for number, date in enumerate(training.days, start=1)
        ]
        enrolments = list(training.enrolments.for_roster())
        for enrolment in enrolments:
            enrolment.marks = enrolment.attendance_marks(training.days)
        return super().get_context_data(
            enrolments=enrolments,
            summary=participants.sex_summary(),
            by_agency_type=by_agency_type,
            attendance_days=attendance_days,
            **kwargs,
        )
