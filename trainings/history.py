"""What the change history on a training page shows: the training, its enrolments
and their attendance marks (see ``setara.history`` for how rows become lines)."""

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from participants.models import Participant
from setara.history import HISTORY_LIMIT, HistoryList, history_entries

from .models import Attendance, Enrolment, Training

#: Permissions to read the history of a training page (training, enrolments,
#: attendance). Coordinators and admins hold them.
TRAINING_HISTORY_PERMISSIONS = (
    "trainings.view_historicaltraining",
    "trainings.view_historicalenrolment",
    "trainings.view_historicalattendance",
)


def training_history(training: Training, *, limit=HISTORY_LIMIT) -> HistoryList:
    """The history of ``training``, its enrolments and their attendance marks,
    including enrolments removed since; a fixed number of queries."""
    enrolment_history = Enrolment.history.filter(training_id=training.pk)
    enrolment_ids = enrolment_history.values("id")
    attendance_history = Attendance.history.filter(enrolment_id__in=enrolment_ids)
    people = dict(
        Participant.objects.filter(
            pk__in=enrolment_history.values("participant_id")
        ).values_list("pk", "full_name")
    )
    person_of_enrolment = dict(
        enrolment_history.order_by().values_list("id", "participant_id").distinct()
    )

    def person(participant_id):
        return people.get(participant_id, f"#{participant_id}")

    def enrolment_label(row):
        return _("Enrolment: %(name)s") % {"name": person(row.participant_id)}

    def attendance_label(row):
        participant_id = person_of_enrolment.get(row.enrolment_id)
        return _("Attendance: %(name)s, %(date)s") % {
            "name": person(participant_id),
            "date": date_format(row.date, "SHORT_DATE_FORMAT"),
        }

    def enrolments(count):
        return ngettext("%(count)s enrolment", "%(count)s enrolments", count) % {
            "count": count
        }

    def marks(count):
        return ngettext(
            "%(count)s attendance mark", "%(count)s attendance marks", count
        ) % {"count": count}

    return history_entries(
        [
            (Training.history.filter(id=training.pk), lambda row: _("Training")),
            (enrolment_history, enrolment_label, enrolments),
            (attendance_history, attendance_label, marks),
        ],
        limit=limit,
    )
